package contracts

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/fsc/backoffice/internal/audit"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/notice"
	"github.com/hibiken/asynq"
)

// Task types of the contracts domain.
const (
	// TypeNoticeCheck is the daily task that raises notices before contracts' notice
	// deadlines and ends.
	TypeNoticeCheck = "contracts:notice-check"
	// TypeFiguresSync is the daily task that copies the member figures valid today into
	// the members' columns.
	TypeFiguresSync = "contracts:figures-sync"
)

// DefaultNoticeDays is how long before a notice deadline or an end the notice comes.
const DefaultNoticeDays = 90

// Notice codes of contracts. Args: the contract's number, its title and the date.
var (
	NoticeDeadlineNear = notice.NewCode("contract_notice_deadline")
	NoticeEndNear      = notice.NewCode("contract_end")
)

// noticeAudience are who manage contracts.
var noticeAudience = []auth.Role{auth.RoleAdmin, auth.RoleFinance}

// NoticeWindow is how many days ahead a deadline is near: notices come then, and the
// dashboard lists it.
func (s *Service) NoticeWindow() int {
	if s.NoticeDays > 0 {
		return s.NoticeDays
	}
	return DefaultNoticeDays
}

// CheckNotices raises, for every contract whose notice deadline or end falls within
// NoticeDays from today, a notice to admins and finance, once per contract and date: the
// dedupe key holds the date, so running again adds nothing, and an extension that moves
// the dates raises new ones. It returns how many notices it raised.
func (s *Service) CheckNotices(ctx context.Context) (int, error) {
	ctx = auth.WithPrincipal(ctx, auth.System)
	today, days := s.today(), s.NoticeWindow()
	until := today.AddDays(days)
	within := func(d civil.Date) bool { return !d.Before(today) && !d.After(until) }
	raised := 0
	f := ContractFilter{ExpiringWithinDays: &days, Limit: 500}
	for {
		cs, next, err := listContracts(ctx, contractScope{}, f, today)
		if err != nil {
			return raised, err
		}
		for _, c := range cs {
			if within(c.NoticeDeadline) {
				n, err := raiseContractNotice(ctx, &c, NoticeDeadlineNear, "notice-deadline", c.NoticeDeadline)
				if err != nil {
					return raised, err
				}
				raised += n
			}
			if within(c.EndsOn) {
				n, err := raiseContractNotice(ctx, &c, NoticeEndNear, "end", c.EndsOn)
				if err != nil {
					return raised, err
				}
				raised += n
			}
		}
		if next == 0 {
			return raised, nil
		}
		f.After = next
	}
}

// raiseContractNotice raises one notice with its audit entry and returns 1, or 0 when it
// was raised before.
func raiseContractNotice(ctx context.Context, c *Contract, code notice.Code, what string, on civil.Date) (int, error) {
	n := &notice.Notice{Code: code, Args: []string{c.Number, c.Title, on.String()}, Audience: noticeAudience,
		Entity: "contract", EntityID: c.ID, DedupeKey: fmt.Sprintf("contract:%d:%s:%s", c.ID, what, on)}
	raised := 0
	err := db.WithTx(ctx, func(ctx context.Context) error {
		isNew, err := notice.Raise(ctx, n)
		if err != nil || !isNew {
			return err
		}
		raised = 1
		if err := emitNoticeDue(ctx, c, n); err != nil {
			return err
		}
		return audit.Record(ctx, "raise_notice", "contract", c.ID, nil, n)
	})
	return raised, err
}

// HandleNoticeCheck is the handler of TypeNoticeCheck.
func (s *Service) HandleNoticeCheck(ctx context.Context, _ *asynq.Task) error {
	n, err := s.CheckNotices(ctx)
	if n > 0 {
		slog.InfoContext(ctx, "contract notices raised", "count", n)
	}
	return err
}

// HandleFiguresSync is the handler of TypeFiguresSync.
func (s *Service) HandleFiguresSync(ctx context.Context, _ *asynq.Task) error {
	_, err := s.SyncMemberFigures(auth.WithPrincipal(ctx, auth.System))
	return err
}

// JobRegistry is where RegisterJobs puts the tasks of contracts: a handler per task type
// and a schedule. jobs.Registry (and so *jobs.Worker) has this shape.
type JobRegistry interface {
	Handle(typ string, h asynq.HandlerFunc)
	Every(spec, typ string, unique time.Duration)
}

// RegisterJobs registers the daily notice check (early morning, before the contract
// manager's day) and the figures sync (just after midnight UTC, when figures dated today
// have become valid).
func (s *Service) RegisterJobs(r JobRegistry) {
	r.Handle(TypeNoticeCheck, s.HandleNoticeCheck)
	r.Handle(TypeFiguresSync, s.HandleFiguresSync)
	r.Every("10 5 * * *", TypeNoticeCheck, time.Hour)
	r.Every("5 0 * * *", TypeFiguresSync, time.Hour)
}
