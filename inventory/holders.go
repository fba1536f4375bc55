package inventory

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/fsc/backoffice/internal/apperr"
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
	// for why; the order releases it and reserves again, in the caller's transaction.
	DeviceTaken(ctx context.Context, orderID, deviceID int64, why Why) error
}

// maxLockRounds bounds lockWithHolders: each round that fails saw a device reserved
// between two reads a few milliseconds apart, so several in a row mean the stock is
// churning and the user is better told to submit again than kept waiting.
const maxLockRounds = 8

// errHoldersMoved says a device got a new holder while lockWithHolders was locking.
var errHoldersMoved = errors.New("holders moved")

// lockWithHolders locks the devices ids and, before them, the orders that hold any of
// them, in the lock order of the order workflows (an order, then its devices), so a
// recall, a stocktake or a manual move never waits on an order workflow in a circle.
// The holders are read before the devices are locked; a device reserved for another
// order in between would break that order, so the holders are read again under the
// device locks, and if one is new every lock taken here is given back (a rollback to a
// savepoint releases row locks) and the round starts again.
func (s *Service) lockWithHolders(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	for round := 1; ; round++ {
		err := s.lockRound(ctx, ids)
		if !errors.Is(err, errHoldersMoved) {
			return err
		}
		if round == maxLockRounds {
			return apperr.ConflictCode(CodeDeviceChanged, "devices are being reserved and released right now; submit again")
		}
	}
}

func (s *Service) lockRound(ctx context.Context, ids []int64) error {
	const sp = "lock_with_holders"
	if err := db.Conn(ctx).SavePoint(sp).Error; err != nil {
		return fmt.Errorf("savepoint: %w", err)
	}
	held, err := holdersOf(ctx, ids)
	if err != nil {
		return err
	}
	if s.Holders != nil && len(held) > 0 {
		if err := s.Holders.LockHolders(ctx, held); err != nil {
			return err
		}
	}
	for start := 0; start < len(ids); start += 1000 {
		var got []int64
		if err := db.ForUpdate(db.Conn(ctx).Table("devices")).Where("id IN ?", ids[start:min(start+1000, len(ids))]).
			Order("id").Pluck("id", &got).Error; err != nil {
			return fmt.Errorf("lock devices: %w", err)
		}
	}
	now, err := holdersOf(ctx, ids)
	if err != nil {
		return err
	}
	for _, o := range now {
		if _, ok := slices.BinarySearch(held, o); !ok {
			if err := db.Conn(ctx).RollbackTo(sp).Error; err != nil {
				return fmt.Errorf("rollback to savepoint: %w", err)
			}
			return errHoldersMoved
		}
	}
	return nil
}

// holdersOf returns the orders that hold any of the devices ids, ascending.
func holdersOf(ctx context.Context, ids []int64) ([]int64, error) {
	var orders []int64
	for start := 0; start < len(ids); start += 1000 {
		var got []int64
		if err := db.Conn(ctx).Table("devices").Where("id IN ? AND state = ? AND order_id IS NOT NULL", ids[start:min(start+1000, len(ids))], Reserved).
			Distinct("order_id").Pluck("order_id", &got).Error; err != nil {
			return nil, fmt.Errorf("holders of devices: %w", err)
		}
		orders = append(orders, got...)
	}
	slices.Sort(orders)
	return slices.Compact(orders), nil
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
