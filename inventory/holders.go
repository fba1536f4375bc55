package inventory

import (
	"context"
	"fmt"
	"slices"

	"github.com/fsc/backoffice/internal/db"
)

// Holders is what inventory needs of the orders domain for the one rule "a reserved
// device left reserved": when a device that an order holds leaves reserved other than
// through that order's own workflow (a recall, a stocktake booking it lost, a manual
// transition), the order must give it up and be reserved again from other stock or
// backordered, in the same transaction. *orders.Service is one; cmd/fsc wires it.
type Holders interface {
	// LockHolders locks the orders ids (ascending) before inventory locks any of their
	// devices, so that inventory takes locks in the order the order workflows do
	// (order, then devices) and never waits on them in a circle.
	LockHolders(ctx context.Context, orderIDs []int64) error
	// DeviceTaken tells order orderID that device deviceID is no longer its to ship,
	// for reason; the order releases it and reserves again, in the caller's transaction.
	DeviceTaken(ctx context.Context, orderID, deviceID int64, reason string) error
}

// lockHoldersOf locks the orders that hold any of the devices ids (reserved for them),
// through Holders, before the caller locks the devices. A device reserved meanwhile by
// another order is still handled by apply; only its lock order is then not guaranteed.
func (s *Service) lockHoldersOf(ctx context.Context, ids []int64) error {
	if s.Holders == nil || len(ids) == 0 {
		return nil
	}
	var orders []int64
	for start := 0; start < len(ids); start += 1000 {
		chunk := ids[start:min(start+1000, len(ids))]
		var got []int64
		if err := db.Conn(ctx).Table("devices").Where("id IN ? AND state = ? AND order_id IS NOT NULL", chunk, Reserved).
			Distinct("order_id").Pluck("order_id", &got).Error; err != nil {
			return fmt.Errorf("holders of devices: %w", err)
		}
		orders = append(orders, got...)
	}
	if len(orders) == 0 {
		return nil
	}
	slices.Sort(orders)
	return s.Holders.LockHolders(ctx, slices.Compact(orders))
}

// reservedDevicesAmong returns those of ids that are reserved for an order, ascending.
func reservedDevicesAmong(ctx context.Context, ids []int64) ([]int64, error) {
	var out []int64
	for start := 0; start < len(ids); start += 1000 {
		chunk := ids[start:min(start+1000, len(ids))]
		var got []int64
		if err := db.Conn(ctx).Table("devices").Where("id IN ? AND state = ? AND order_id IS NOT NULL", chunk, Reserved).
			Order("id").Pluck("id", &got).Error; err != nil {
			return nil, fmt.Errorf("reserved devices: %w", err)
		}
		out = append(out, got...)
	}
	return out, nil
}
