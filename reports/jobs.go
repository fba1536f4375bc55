package reports

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/hibiken/asynq"
)

// Task types of billing.
const (
	// TypeComputeRun computes a billing run that is computing.
	TypeComputeRun = "reports:compute-run"
	// TypeExportRun writes the workbook and the invoices of a finalised run.
	TypeExportRun = "reports:export-run"
)

// RunPayload names the run a task is for.
type RunPayload struct {
	RunID int64 `json:"run_id"`
}

// Registry is where RegisterJobs puts the handlers (*jobs.Worker is one).
type Registry interface {
	Handle(typ string, h asynq.HandlerFunc)
	Every(spec, typ string, unique time.Duration)
}

// RegisterJobs registers the computation and the export of runs.
func (s *Service) RegisterJobs(r Registry) {
	r.Handle(TypeComputeRun, s.HandleComputeRun)
	r.Handle(TypeExportRun, s.HandleExportRun)
}

func runPayload(t *asynq.Task) (int64, error) {
	var p RunPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil || p.RunID <= 0 {
		return 0, fmt.Errorf("task %s payload %q: %w", t.Type(), t.Payload(), asynq.SkipRetry)
	}
	return p.RunID, nil
}

// HandleComputeRun is the handler of TypeComputeRun: idempotent (a run no longer
// computing is left alone); on the last retry the run is marked failed.
func (s *Service) HandleComputeRun(ctx context.Context, t *asynq.Task) error {
	id, err := runPayload(t)
	if err != nil {
		return err
	}
	err = s.ComputeRun(ctx, id)
	if apperr.Is(err, apperr.KindNotFound) {
		return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
	}
	if err != nil {
		retried, _ := asynq.GetRetryCount(ctx)
		max, _ := asynq.GetMaxRetry(ctx)
		if retried >= max {
			if ferr := s.FailRun(ctx, id, err.Error()); ferr != nil {
				slog.Warn("mark billing run failed", "run_id", id, "err", ferr)
			}
		}
	}
	return err
}

// HandleExportRun is the handler of TypeExportRun: idempotent (an export written is
// not written again).
func (s *Service) HandleExportRun(ctx context.Context, t *asynq.Task) error {
	id, err := runPayload(t)
	if err != nil {
		return err
	}
	err = s.ExportRun(ctx, id)
	if apperr.Is(err, apperr.KindNotFound) || errors.Is(err, errNotFinalized) {
		return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
	}
	return err
}
