package orders

import (
	"context"
	"time"

	"github.com/fsc/backoffice/internal/jobs"
	"github.com/hibiken/asynq"
)

// RegisterJobs registers the handlers of booking and backorder tasks and their
// schedule on r.
func (s *Service) RegisterJobs(r jobs.Registry) {
	r.Handle(TypeBookShipment, s.HandleBookShipment)
	r.Handle(TypeFillBackorders, func(ctx context.Context, _ *asynq.Task) error {
		_, err := s.FillBackorders(ctx)
		return err
	})
	// Stock can also come back without a task (a crash before the outbox existed, a
	// manual fix in the database): sweep backorders now and then regardless.
	r.Every("@every 5m", TypeFillBackorders, 4*time.Minute)
	r.Handle(TypeAnonymiseCitizens, func(ctx context.Context, _ *asynq.Task) error {
		_, err := s.AnonymiseCitizens(ctx, time.Now())
		return err
	})
	r.Every("30 2 * * *", TypeAnonymiseCitizens, time.Hour) // nightly, when no one orders
}
