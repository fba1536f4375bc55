package contracts

import (
	"context"

	"github.com/fsc/backoffice/internal/notice"
	"github.com/fsc/backoffice/internal/webhook"
)

// NoticeDue is the data of contract.notice_due: the contract as GET /contracts answers
// it, with the notice just raised (its code says which date is near, its args the
// number, title and date).
type NoticeDue struct {
	Contract
	Notice *notice.Notice `json:"notice"`
}

// emitNoticeDue emits contract.notice_due to integrations (a contract is no member's
// object), in the transaction that raised n.
func emitNoticeDue(ctx context.Context, c *Contract, n *notice.Notice) error {
	return webhook.Emit(ctx, webhook.ContractNoticeDue, nil, NoticeDue{Contract: *c, Notice: n})
}
