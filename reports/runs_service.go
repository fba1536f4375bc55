package reports

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/audit"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/jobs"
	"github.com/fsc/backoffice/internal/webhook"
)

// StartRun starts the billing run of period (finance): a run in status computing,
// computed by a background job (TypeComputeRun). A period with a draft or failed run
// computes that run again instead of starting a second one. It returns Invalid for a
// period not YYYY-MM or after the current month, and Conflict when the period already
// has a finalised run.
func (s *Service) StartRun(ctx context.Context, period string) (*Run, error) {
	p, err := auth.Require(ctx, auth.RoleFinance)
	if err != nil {
		return nil, err
	}
	var fe apperr.Fields
	per := checkPeriod(&fe, "period", period, civil.Of(s.now()), true)
	if err := fe.Err(); err != nil {
		return nil, err
	}
	var run Run
	err = db.WithTx(ctx, func(ctx context.Context) error {
		if err := db.Lock(ctx, "billing-run:"+per.String()); err != nil {
			return err
		}
		var runs []Run
		if err := db.Conn(ctx).Where("period = ?", per.String()).Order("id DESC").Find(&runs).Error; err != nil {
			return fmt.Errorf("runs of %s: %w", per, err)
		}
		for _, r := range runs {
			if r.Status == RunFinalized {
				return conflict("period", CodeRunFinalized, "the run of %s is finalised (run %d)", per, r.ID)
			}
		}
		if len(runs) > 0 {
			run = runs[0]
			return s.markComputing(ctx, &run, p)
		}
		run = Run{Period: per.String(), Status: RunComputing, CreatedBy: p.Name, CreatedAt: s.now()}
		if err := db.Conn(ctx).Create(&run).Error; err != nil {
			return fmt.Errorf("create run of %s: %w", per, err)
		}
		if err := audit.Record(ctx, "create", "billing_run", run.ID, nil, run); err != nil {
			return err
		}
		return jobs.Later(ctx, TypeComputeRun, jobs.QueueDefault, RunPayload{RunID: run.ID})
	})
	if err != nil {
		return nil, err
	}
	return &run, nil
}

// markComputing sets run computing again and queues its computation.
func (s *Service) markComputing(ctx context.Context, run *Run, p auth.Principal) error {
	before := *run
	if err := db.Conn(ctx).Model(&Run{}).Where("id = ?", run.ID).Updates(map[string]any{"status": RunComputing, "error": ""}).Error; err != nil {
		return fmt.Errorf("recompute run %d: %w", run.ID, err)
	}
	run.Status, run.Error = RunComputing, ""
	if err := audit.Record(ctx, "recompute", "billing_run", run.ID, before, run); err != nil {
		return err
	}
	return jobs.Later(ctx, TypeComputeRun, jobs.QueueDefault, RunPayload{RunID: run.ID})
}

// Recompute computes a draft (or failed) run again from today's data (finance). It
// returns NotFound for no such run and Conflict for a finalised one.
func (s *Service) Recompute(ctx context.Context, id int64) (*Run, error) {
	p, err := auth.Require(ctx, auth.RoleFinance)
	if err != nil {
		return nil, err
	}
	var run *Run
	err = db.WithTx(ctx, func(ctx context.Context) error {
		if run, err = lockRun(ctx, id); err != nil {
			return err
		}
		if run.Status == RunFinalized {
			return conflict("status", CodeRunState, "run %d is %s; correct it with an adjustment in a later month", id, run.Status)
		}
		return s.markComputing(ctx, run, p)
	})
	if err != nil {
		return nil, err
	}
	return run, nil
}

func lockRun(ctx context.Context, id int64) (*Run, error) {
	var run Run
	err := db.ForUpdate(db.Conn(ctx)).Where("id = ?", id).Take(&run).Error
	if db.IsNotFound(err) {
		return nil, apperr.NotFound("billing run %d not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("billing run %d: %w", id, err)
	}
	return &run, nil
}

// ComputeRun computes run id if it is computing, and stores its lines, statements,
// what it could not bill and the device-days per device, replacing what a previous
// computation stored; the run becomes draft. A run in any other state is left alone,
// so the job can run twice. It returns an error for asynq to retry when the database
// fails.
func (s *Service) ComputeRun(ctx context.Context, id int64) error {
	ctx = auth.WithPrincipal(ctx, auth.System)
	var run Run
	if err := db.Conn(ctx).Where("id = ?", id).Take(&run).Error; err != nil {
		if db.IsNotFound(err) {
			return apperr.NotFound("billing run %d not found", id)
		}
		return fmt.Errorf("billing run %d: %w", id, err)
	}
	if run.Status != RunComputing {
		return nil
	}
	per, _ := ParsePeriod(run.Period)
	res, err := s.compute(ctx, per)
	if err != nil {
		return fmt.Errorf("compute run %d: %w", id, err)
	}
	return db.WithTx(ctx, func(ctx context.Context) error {
		cur, err := lockRun(ctx, id)
		if err != nil {
			return err
		}
		if cur.Status != RunComputing {
			return nil // finalised or computed by another worker meanwhile
		}
		return s.store(ctx, cur, res)
	})
}

// store replaces the rows of run with res and makes it draft.
func (s *Service) store(ctx context.Context, run *Run, res *computed) error {
	conn := db.Conn(ctx)
	for _, m := range []any{&Line{}, &StatementSummary{}, &Unbilled{}, &deviceDaysRow{}} {
		if err := conn.Where("run_id = ?", run.ID).Delete(m).Error; err != nil {
			return fmt.Errorf("clear run %d: %w", run.ID, err)
		}
	}
	totals := map[int64]*StatementSummary{}
	var order []int64
	var total int64
	for i := range res.lines {
		l := &res.lines[i]
		l.RunID = run.ID
		st := totals[l.MemberID]
		if st == nil {
			st = &StatementSummary{RunID: run.ID, MemberID: l.MemberID}
			totals[l.MemberID] = st
			order = append(order, l.MemberID)
		}
		var err error
		if st.TotalOre, err = addOre(st.TotalOre, l.AmountOre); err != nil {
			return err
		}
		if total, err = addOre(total, l.AmountOre); err != nil {
			return err
		}
		st.Lines++
	}
	if err := conn.CreateInBatches(res.lines, 500).Error; err != nil {
		return fmt.Errorf("store lines of run %d: %w", run.ID, err)
	}
	sts := make([]StatementSummary, 0, len(order))
	for _, id := range order {
		sts = append(sts, *totals[id])
	}
	if err := conn.CreateInBatches(sts, 500).Error; err != nil {
		return fmt.Errorf("store statements of run %d: %w", run.ID, err)
	}
	for i := range res.unbilled {
		res.unbilled[i].RunID = run.ID
	}
	if err := conn.CreateInBatches(res.unbilled, 500).Error; err != nil {
		return fmt.Errorf("store unbilled of run %d: %w", run.ID, err)
	}
	dd := make([]deviceDaysRow, len(res.devices))
	for i, x := range res.devices {
		dd[i] = deviceDaysRow{RunID: run.ID, DeviceID: x.DeviceID, MemberID: x.MemberID, ProductID: x.ProductID, Days: x.Days}
	}
	if err := conn.CreateInBatches(dd, 2000).Error; err != nil {
		return fmt.Errorf("store device-days of run %d: %w", run.ID, err)
	}
	now := s.now()
	before := *run
	if err := conn.Model(&Run{}).Where("id = ?", run.ID).Updates(map[string]any{"status": RunDraft, "total_ore": total,
		"computations": run.Computations + 1, "computed_at": now, "error": ""}).Error; err != nil {
		return fmt.Errorf("run %d computed: %w", run.ID, err)
	}
	run.Status, run.TotalOre, run.Computations, run.ComputedAt = RunDraft, total, run.Computations+1, &now
	return audit.Record(ctx, "computed", "billing_run", run.ID, before, run)
}

func addOre(a, b int64) (int64, error) {
	if (b > 0 && a > (1<<63-1)-b) || (b < 0 && a < (-1<<63)-b) {
		return 0, errors.New("billing total overflows int64 øre")
	}
	return a + b, nil
}

// FailRun marks a computing run failed with why (the job's last retry).
func (s *Service) FailRun(ctx context.Context, id int64, why string) error {
	return db.WithTx(ctx, func(ctx context.Context) error {
		run, err := lockRun(ctx, id)
		if err != nil || run.Status != RunComputing {
			return err
		}
		if len(why) > 1000 {
			why = why[:1000]
		}
		return db.Conn(ctx).Model(&Run{}).Where("id = ?", id).Updates(map[string]any{"status": RunFailed, "error": why}).Error
	})
}

// Finalize freezes draft run id for good (finance) and queues the export of its
// workbook and invoices (TypeExportRun). It returns NotFound for no such run and
// Conflict for a run that is not draft.
func (s *Service) Finalize(ctx context.Context, id int64) (*Run, error) {
	p, err := auth.Require(ctx, auth.RoleFinance)
	if err != nil {
		return nil, err
	}
	var run *Run
	err = db.WithTx(ctx, func(ctx context.Context) error {
		if run, err = lockRun(ctx, id); err != nil {
			return err
		}
		if run.Status != RunDraft {
			return conflict("status", CodeRunState, "run %d is %s; only a draft can be finalised", id, run.Status)
		}
		before := *run
		now := s.now()
		if err := db.Conn(ctx).Model(&Run{}).Where("id = ? AND status = ?", id, RunDraft).
			Updates(map[string]any{"status": RunFinalized, "finalized_at": now, "finalized_by": p.Name}).Error; err != nil {
			if db.IsUniqueViolation(err) {
				return conflict("status", CodeRunFinalized, "the run of %s is finalised already", run.Period)
			}
			return fmt.Errorf("finalise run %d: %w", id, err)
		}
		run.Status, run.FinalizedAt, run.FinalizedBy = RunFinalized, &now, p.Name
		if err := audit.Record(ctx, "finalize", "billing_run", id, before, run); err != nil {
			return err
		}
		// Finance systems learn of it from the same transaction (integrations only: a
		// run holds every member's lines).
		if err := webhook.Emit(ctx, webhook.BillingRunFinalized, nil, run); err != nil {
			return err
		}
		return jobs.Later(ctx, TypeExportRun, jobs.QueueDefault, RunPayload{RunID: id})
	})
	if err != nil {
		return nil, err
	}
	return s.GetRun(ctx, id)
}

// GetRun returns run id with its statements (by member code) and what it could not
// bill (finance, admin). It returns NotFound for no such run.
func (s *Service) GetRun(ctx context.Context, id int64) (*Run, error) {
	if _, err := auth.Require(ctx, auth.RoleFinance, auth.RoleAdmin); err != nil {
		return nil, err
	}
	var run Run
	err := db.Conn(ctx).Where("id = ?", id).Take(&run).Error
	if db.IsNotFound(err) {
		return nil, apperr.NotFound("billing run %d not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("billing run %d: %w", id, err)
	}
	if err := fillRuns(ctx, []*Run{&run}, true); err != nil {
		return nil, err
	}
	return &run, nil
}

// fillRuns adds the statements (and, with detail, the unbilled items and export state).
func fillRuns(ctx context.Context, runs []*Run, detail bool) error {
	if len(runs) == 0 {
		return nil
	}
	ids := make([]int64, len(runs))
	byID := map[int64]*Run{}
	for i, r := range runs {
		ids[i], byID[r.ID] = r.ID, r
		r.Statements, r.Unbilled = []StatementSummary{}, []Unbilled{}
	}
	var sts []StatementSummary
	if err := db.Conn(ctx).Table("billing_statements s").Select("s.run_id, s.member_id, s.total_ore, s.lines").
		Joins("JOIN members m ON m.id = s.member_id").Where("s.run_id IN ?", ids).Order("s.run_id, m.code").Find(&sts).Error; err != nil {
		return fmt.Errorf("statements: %w", err)
	}
	names, err := memberNames(ctx)
	if err != nil {
		return err
	}
	for _, st := range sts {
		st.MemberCode, st.MemberName = names[st.MemberID][0], names[st.MemberID][1]
		byID[st.RunID].Statements = append(byID[st.RunID].Statements, st)
	}
	for _, r := range runs {
		sortStatements(r.Statements)
	}
	if !detail {
		return nil
	}
	var us []Unbilled
	if err := db.Conn(ctx).Where("run_id IN ?", ids).Order("run_id, seq").Find(&us).Error; err != nil {
		return fmt.Errorf("unbilled: %w", err)
	}
	for _, u := range us {
		byID[u.RunID].Unbilled = append(byID[u.RunID].Unbilled, u)
	}
	var done []int64
	if err := db.Conn(ctx).Model(&export{}).Where("run_id IN ? AND name = ?", ids, workbookName).Pluck("run_id", &done).Error; err != nil {
		return fmt.Errorf("exports: %w", err)
	}
	for _, id := range done {
		byID[id].ExportReady = true
	}
	return nil
}

func sortStatements(sts []StatementSummary) {
	for i := 1; i < len(sts); i++ {
		for j := i; j > 0 && lessCode(sts[j].MemberCode, sts[j-1].MemberCode); j-- {
			sts[j], sts[j-1] = sts[j-1], sts[j]
		}
	}
}

// memberNames returns each member's code and name by id.
func memberNames(ctx context.Context) (map[int64][2]string, error) {
	rows, err := db.Conn(ctx).Raw("SELECT id, code, name FROM members").Rows()
	if err != nil {
		return nil, fmt.Errorf("members: %w", err)
	}
	defer rows.Close()
	out := map[int64][2]string{}
	for rows.Next() {
		var id int64
		var code, name string
		if err := rows.Scan(&id, &code, &name); err != nil {
			return nil, err
		}
		out[id] = [2]string{code, name}
	}
	return out, rows.Err()
}

// RunFilter selects runs for ListRuns: newest first, before the id Before (0: from the
// newest), at most Limit.
type RunFilter struct {
	Period string
	Before int64
	Limit  int
}

// ListRuns returns runs newest first with their statements, and the cursor of the next
// page (0 on the last) (finance, admin).
func (s *Service) ListRuns(ctx context.Context, f RunFilter) ([]Run, int64, error) {
	if _, err := auth.Require(ctx, auth.RoleFinance, auth.RoleAdmin); err != nil {
		return nil, 0, err
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	q := db.Conn(ctx).Order("id DESC").Limit(f.Limit + 1)
	if f.Before > 0 {
		q = q.Where("id < ?", f.Before)
	}
	if f.Period != "" {
		per, ok := ParsePeriod(f.Period)
		if !ok {
			return nil, 0, apperr.Invalid(apperr.Field("period", CodePeriod, "must be a month as YYYY-MM"))
		}
		q = q.Where("period = ?", per.String())
	}
	var runs []Run
	if err := q.Find(&runs).Error; err != nil {
		return nil, 0, fmt.Errorf("billing runs: %w", err)
	}
	var next int64
	if len(runs) > f.Limit {
		runs = runs[:f.Limit]
		next = runs[len(runs)-1].ID
	}
	ps := make([]*Run, len(runs))
	for i := range runs {
		ps[i] = &runs[i]
	}
	if err := fillRuns(ctx, ps, false); err != nil {
		return nil, 0, err
	}
	return runs, next, nil
}

// Statement returns member memberID's statement in run runID: finance and admin any,
// a member user only its own and only of a finalised run. It returns NotFound for a
// run or statement not there or not visible.
func (s *Service) Statement(ctx context.Context, runID, memberID int64) (*Statement, error) {
	run, err := s.visibleRun(ctx, runID, memberID)
	if err != nil {
		return nil, err
	}
	return loadStatement(ctx, run, memberID)
}

// visibleRun returns run id if the caller may see member memberID's part of it.
func (s *Service) visibleRun(ctx context.Context, id, memberID int64) (*Run, error) {
	p, err := auth.Require(ctx, auth.RoleFinance, auth.RoleAdmin, auth.RoleMember)
	if err != nil {
		return nil, err
	}
	var run Run
	err = db.Conn(ctx).Where("id = ?", id).Take(&run).Error
	if db.IsNotFound(err) {
		return nil, apperr.NotFound("billing run %d not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("billing run %d: %w", id, err)
	}
	if p.Role == auth.RoleMember && (p.MemberID == nil || *p.MemberID != memberID || run.Status != RunFinalized) {
		return nil, apperr.NotFound("statement of member %d in run %d not found", memberID, id)
	}
	return &run, nil
}

func loadStatement(ctx context.Context, run *Run, memberID int64) (*Statement, error) {
	names, err := memberNames(ctx)
	if err != nil {
		return nil, err
	}
	nm, ok := names[memberID]
	if !ok {
		return nil, apperr.NotFound("member %d not found", memberID)
	}
	st := &Statement{RunID: run.ID, MemberID: memberID, MemberCode: nm[0], MemberName: nm[1], Period: run.Period, Status: run.Status, Lines: []Line{}}
	if err := db.Conn(ctx).Where("run_id = ? AND member_id = ?", run.ID, memberID).Order("seq").Find(&st.Lines).Error; err != nil {
		return nil, fmt.Errorf("statement of member %d in run %d: %w", memberID, run.ID, err)
	}
	for _, l := range st.Lines {
		st.TotalOre += l.AmountOre
	}
	return st, nil
}

// NewAdjustment is the body of POST /billing-adjustments.
type NewAdjustment struct {
	MemberID      int64  `json:"member_id"`
	Period        string `json:"period" validate:"max=7"`
	AmountOre     int64  `json:"amount_ore" validate:"gte=-100000000000,lte=100000000000"`
	Description   string `json:"description" validate:"max=500"`
	CorrectsRunID *int64 `json:"corrects_run_id"`
}

// CreateAdjustment stores a credit (negative) or charge for a member, billed as an
// adjustment line by the run of its period when that run is computed (finance). It
// returns Invalid naming every bad field (member or corrected run unknown, period not
// YYYY-MM, amount zero, description missing) and Conflict when the period's run is
// finalised.
func (s *Service) CreateAdjustment(ctx context.Context, in NewAdjustment) (*Adjustment, error) {
	p, err := auth.Require(ctx, auth.RoleFinance)
	if err != nil {
		return nil, err
	}
	var fe apperr.Fields
	if in.MemberID <= 0 {
		fe.Add("member_id", apperr.Required, "is required")
	} else if ok, err := memberExists(ctx, in.MemberID); err != nil {
		return nil, err
	} else if !ok {
		fe.Add("member_id", apperr.Unknown, "no member with id %d", in.MemberID)
	}
	per := checkPeriod(&fe, "period", in.Period, civil.Of(s.now()), false)
	if in.AmountOre == 0 {
		fe.Add("amount_ore", apperr.NotPositive, "must not be zero")
	}
	text(&fe, "description", &in.Description, true, 500)
	if in.CorrectsRunID != nil {
		var n int64
		if err := db.Conn(ctx).Model(&Run{}).Where("id = ?", *in.CorrectsRunID).Count(&n).Error; err != nil {
			return nil, err
		}
		if n == 0 {
			fe.Add("corrects_run_id", apperr.Unknown, "no billing run with id %d", *in.CorrectsRunID)
		}
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	a := Adjustment{MemberID: in.MemberID, Period: per.String(), AmountOre: in.AmountOre, Description: in.Description,
		CorrectsRunID: in.CorrectsRunID, CreatedBy: p.Name, CreatedAt: s.now()}
	err = db.WithTx(ctx, func(ctx context.Context) error {
		if err := refuseFinalized(ctx, per, "period"); err != nil {
			return err
		}
		if err := db.Conn(ctx).Create(&a).Error; err != nil {
			return fmt.Errorf("create adjustment: %w", err)
		}
		return audit.Record(ctx, "create", "billing_adjustment", a.ID, nil, a)
	})
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// ListAdjustments returns the adjustments of period ("" for all), by id (finance, admin).
func (s *Service) ListAdjustments(ctx context.Context, period string) ([]Adjustment, error) {
	if _, err := auth.Require(ctx, auth.RoleFinance, auth.RoleAdmin); err != nil {
		return nil, err
	}
	q := db.Conn(ctx).Order("period DESC, id")
	if period != "" {
		q = q.Where("period = ?", strings.TrimSpace(period))
	}
	out := []Adjustment{}
	if err := q.Limit(1000).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("adjustments: %w", err)
	}
	return out, nil
}

// MemberRuns returns the finalised runs that have a statement of the caller's member,
// newest first, each with that statement only (a member user).
func (s *Service) MemberRuns(ctx context.Context) ([]Run, error) {
	p, err := auth.Require(ctx, auth.RoleMember)
	if err != nil {
		return nil, err
	}
	if p.MemberID == nil {
		return []Run{}, nil
	}
	var runs []Run
	if err := db.Conn(ctx).Where("status = ? AND id IN (SELECT run_id FROM billing_statements WHERE member_id = ?)", RunFinalized, *p.MemberID).
		Order("period DESC").Limit(240).Find(&runs).Error; err != nil {
		return nil, fmt.Errorf("member runs: %w", err)
	}
	ps := make([]*Run, len(runs))
	for i := range runs {
		ps[i] = &runs[i]
	}
	if err := fillRuns(ctx, ps, false); err != nil {
		return nil, err
	}
	for i := range runs {
		var own []StatementSummary
		for _, st := range runs[i].Statements {
			if st.MemberID == *p.MemberID {
				own = append(own, st)
			}
		}
		runs[i].Statements = own
		runs[i].TotalOre = 0
		for _, st := range own {
			runs[i].TotalOre += st.TotalOre
		}
	}
	return runs, nil
}
