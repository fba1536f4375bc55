package support

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/db"
)

// EscalateInput is the body of POST /tickets/{id}/escalate.
type EscalateInput struct {
	VendorID  int64  `json:"vendor_id"`
	VendorRef string `json:"vendor_ref,omitempty"`
}

// Escalate hands ticket id to a vendor as second line (support, admin): status
// escalated, the vendor and its reference, and the OLA due time. The OLA runs from the
// escalation, since the vendor can act only from then: escalated_at plus the
// resolution hours of the SLA terms of the vendor's contract active at that instant,
// counted in OLACalendar (around the clock unless set). Without an active contract
// with SLA terms there is no ola_due. The ticket's own SLA runs on: the centre answers
// for it whoever works on the case. Escalating an escalated ticket again hands it to
// the (new) vendor afresh.
//
// It returns NotFound for a ticket the caller does not see, Invalid for an unknown
// vendor or a bad reference, and Conflict from a resolved or closed ticket.
func (s *Service) Escalate(ctx context.Context, id int64, in EscalateInput) (*Ticket, error) {
	p, err := auth.Require(ctx, agents...)
	if err != nil {
		return nil, err
	}
	if s.Vendors == nil {
		return nil, fmt.Errorf("escalate ticket %d: vendor terms: %w", id, errNotWired)
	}
	in.VendorRef = strings.TrimSpace(in.VendorRef)
	var fe apperr.Fields
	if in.VendorID <= 0 {
		fe.Add("vendor_id", apperr.Required, "is required")
	} else if err := s.Vendors.VendorExists(ctx, in.VendorID); apperr.Is(err, apperr.KindNotFound) {
		fe.Add("vendor_id", apperr.Unknown, "no vendor with id %d", in.VendorID)
	} else if err != nil {
		return nil, err
	}
	checkText(&fe, "vendor_ref", in.VendorRef, false, MaxVendorRef, false)
	if err := fe.Err(); err != nil {
		return nil, err
	}
	var out *Ticket
	err = db.WithTx(ctx, func(ctx context.Context) error {
		t, err := loadTicket(ctx, id, true)
		if err != nil {
			return err
		}
		if !sees(p, t) {
			return notFound(id)
		}
		_, hours, ok, err := s.Vendors.ActiveSLA(ctx, in.VendorID, s.now())
		if err != nil {
			return fmt.Errorf("escalate ticket %d: vendor %d terms: %w", id, in.VendorID, err)
		}
		note := fmt.Sprintf("vendor %d", in.VendorID)
		if in.VendorRef != "" {
			note += ", reference " + in.VendorRef
		}
		err = s.move(ctx, t, Escalated, ViaEscalate, note, func(t *Ticket, now time.Time) {
			t.VendorID, t.VendorRef, t.EscalatedAt, t.OLADue = &in.VendorID, in.VendorRef, &now, nil
			if ok && hours > 0 {
				due := micro(s.OLACalendar.Add(now, hours*60))
				t.OLADue = &due
			}
		})
		if err != nil {
			return err
		}
		out = t
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.present(ctx, p, out), nil
}
