package orders

import (
	"context"

	"github.com/fsc/backoffice/internal/webhook"
)

// The webhook events of orders, emitted next to the audit entry of each change, in its
// transaction, with the object as its GET answers it.

// emitOrder emits order.status_changed for o.
func emitOrder(ctx context.Context, o *Order) error {
	return webhook.Emit(ctx, webhook.OrderStatusChanged, &o.MemberID, o)
}

// emitShipment emits shipment.status_changed for shipment id (none when nil) of member
// memberID, unless its status is still was.
func emitShipment(ctx context.Context, id *int64, memberID int64, was string) error {
	if id == nil {
		return nil
	}
	if ok, err := webhook.Wanted(ctx, webhook.ShipmentStatusChanged, &memberID); err != nil || !ok {
		return err
	}
	sh, err := findShipment(ctx, *id, false)
	if err != nil || sh.Status == was {
		return err
	}
	shs := []Shipment{*sh}
	if err := attachOrderNumbers(ctx, shs); err != nil {
		return err
	}
	return webhook.Emit(ctx, webhook.ShipmentStatusChanged, &shs[0].MemberID, &shs[0])
}

// emitReturn emits return.status_changed for return id of member memberID, unless its
// status is still was ("" for a new return).
func emitReturn(ctx context.Context, id, memberID int64, was string) error {
	if ok, err := webhook.Wanted(ctx, webhook.ReturnStatusChanged, &memberID); err != nil || !ok {
		return err
	}
	r, err := findReturn(ctx, id)
	if err != nil || r.Status == was {
		return err
	}
	rs := []Return{*r}
	if err := attachReturnDetails(ctx, rs); err != nil {
		return err
	}
	return webhook.Emit(ctx, webhook.ReturnStatusChanged, &rs[0].MemberID, &rs[0])
}
