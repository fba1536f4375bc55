package support

import (
	"context"

	"github.com/fsc/backoffice/internal/webhook"
)

// emitTicket emits event (ticket.created, ticket.status_changed) for t as POST /tickets
// answers it, SLA included, in the caller's transaction.
func (s *Service) emitTicket(ctx context.Context, event string, t *Ticket) error {
	c := *t
	c.fillSLA(s.now())
	return webhook.Emit(ctx, event, &c.MemberID, &c)
}

func (s *Service) emitTicketCreated(ctx context.Context, t *Ticket) error {
	return s.emitTicket(ctx, webhook.TicketCreated, t)
}

func (s *Service) emitTicketStatus(ctx context.Context, t *Ticket) error {
	return s.emitTicket(ctx, webhook.TicketStatusChanged, t)
}
