package support

import (
	"context"
	"fmt"
	"github.com/fsc/backoffice/internal/notice"
	"log/slog"
	"time"

	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/db"
	"github.com/hibiken/asynq"
)

// TypeSLACheck is the periodic task that raises the SLA notices: at 80 % of a due time
// and at its breach.
const TypeSLACheck = "support:sla-check"

// Registry is where RegisterJobs puts support's handlers and schedule (*jobs.Worker is
// one).
type Registry interface {
	Handle(typ string, h asynq.HandlerFunc)
	Every(spec, typ string, unique time.Duration)
}

// RegisterJobs registers the SLA check and runs it every minute.
func (s *Service) RegisterJobs(r Registry) {
	r.Handle(TypeSLACheck, s.HandleSLACheck)
	r.Every("@every 1m", TypeSLACheck, 50*time.Second)
}

// HandleSLACheck is the handler of TypeSLACheck.
func (s *Service) HandleSLACheck(ctx context.Context, _ *asynq.Task) error {
	n, err := s.CheckSLAs(ctx)
	if n > 0 {
		slog.Info("sla notices raised", "count", n)
	}
	return err
}

// slaBatch is how many tickets one pass of CheckSLAs reads at a time.
const slaBatch = 200

// CheckSLAs raises a notice to support for every ticket whose SLA has reached 80 % of
// a due time or breached it since the last run, once each per ticket, due time (first
// response, resolution) and threshold: the ticket keeps a mark of each notice, written
// in the transaction that raises it, and the notice's dedupe key is the same mark, so
// neither a second run nor a retry after a crash raises one twice. A breach found
// before its 80 % notice was raised raises only the breach. Only tickets whose next
// check time has come are read (an index on it). It returns how many notices it
// raised.
func (s *Service) CheckSLAs(ctx context.Context) (int, error) {
	if s.Notifier == nil {
		return 0, fmt.Errorf("sla check: notifier: %w", errNotWired)
	}
	ctx = auth.WithPrincipal(ctx, auth.System)
	now := s.now()
	raised := 0
	var lastID int64
	for {
		var ids []int64
		if err := db.Conn(ctx).Model(&Ticket{}).Where("sla_check_at <= ? AND id > ?", now, lastID).
			Order("id").Limit(slaBatch).Pluck("id", &ids).Error; err != nil {
			return raised, fmt.Errorf("sla check: %w", err)
		}
		for _, id := range ids {
			n, err := s.checkSLA(ctx, id, now)
			raised += n
			if err != nil {
				return raised, err
			}
		}
		if len(ids) < slaBatch {
			return raised, nil
		}
		lastID = ids[len(ids)-1]
	}
}

// slaPoint is one notice a ticket may need: which due time, which threshold.
type slaPoint struct {
	mark, covers int // covers: the marks this notice makes unnecessary
	at           time.Time
	due          time.Time
	which        string
	kind         notice.Code
}

func (s *Service) checkSLA(ctx context.Context, id int64, now time.Time) (int, error) {
	raised := 0
	err := db.WithTx(ctx, func(ctx context.Context) error {
		t, err := loadTicket(ctx, id, true)
		if err != nil {
			return err
		}
		if t.SLACheckAt == nil || t.SLACheckAt.After(now) {
			return nil // another run did it, or the ticket moved meanwhile
		}
		var points []slaPoint
		if t.firstMetAt() == nil {
			points = append(points,
				slaPoint{markFirstBreach, markFirstBreach | markFirstWarn, t.FirstResponseDue, t.FirstResponseDue, "first_response", NoticeSLABreached},
				slaPoint{markFirstWarn, markFirstWarn, t.FirstResponseWarn, t.FirstResponseDue, "first_response", NoticeSLAAtRisk})
		}
		if t.ResolvedAt == nil {
			points = append(points,
				slaPoint{markResBreach, markResBreach | markResWarn, t.ResolutionDue, t.ResolutionDue, "resolution", NoticeSLABreached},
				slaPoint{markResWarn, markResWarn, t.ResolutionWarn, t.ResolutionDue, "resolution", NoticeSLAAtRisk})
		}
		for _, pt := range points {
			reached := !pt.at.After(now)
			if pt.kind == NoticeSLABreached {
				reached = pt.at.Before(now) // breached once the due time has passed
			}
			if t.SLAMarks&pt.mark != 0 || !reached || !t.Status.Active() || t.PausedSince != nil {
				continue
			}
			if err := s.Notifier.Raise(ctx, slaNotice(t, pt)); err != nil {
				return fmt.Errorf("sla notice for ticket %d: %w", t.ID, err)
			}
			t.SLAMarks |= pt.covers
			raised++
		}
		t.refreshKeys()
		return db.Conn(ctx).Model(&Ticket{}).Where("id = ?", t.ID).
			Updates(map[string]any{"sla_marks": t.SLAMarks, "sla_check_at": t.SLACheckAt}).Error
	})
	if err != nil {
		return 0, err
	}
	return raised, nil
}

func slaNotice(t *Ticket, pt slaPoint) Notice {
	threshold, title := "80", "Ticket %s: 80 %% of the %s time is used (due %s)"
	if pt.kind == NoticeSLABreached {
		threshold, title = "breach", "Ticket %s: %s due %s has passed"
	}
	due := pt.due.UTC().Format(time.RFC3339)
	return Notice{Key: fmt.Sprintf("support:sla:%d:%s:%s", t.ID, pt.which, threshold), Kind: pt.kind,
		Audience: []auth.Role{auth.RoleSupport}, Entity: "ticket", EntityID: t.ID,
		Title: fmt.Sprintf(title, t.Number, pt.which, due), Args: []string{t.Number, pt.which, due}}
}
