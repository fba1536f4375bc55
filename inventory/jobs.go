package inventory

import (
	"time"

	"github.com/fsc/backoffice/internal/jobs"
)

// RegisterJobs registers inventory's task handlers and its schedule on r.
func (s *Service) RegisterJobs(r jobs.Registry) {
	r.Handle(TypeImportDevices, s.HandleImport)
	r.Handle(TypeReorderCheck, s.HandleReorderCheck)
	r.Every("0 5 * * *", TypeReorderCheck, time.Hour) // early morning, before the warehouse opens
}
