package orders

import (
	"context"
	"fmt"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/db"
)

// loadOrder reads order id with its lines and the devices reserved on them; lock takes
// a row lock on PostgreSQL for the rest of the transaction.
func loadOrder(ctx context.Context, id int64, lock bool) (*Order, error) {
	q := db.Conn(ctx)
	if lock {
		q = db.ForUpdate(q)
	}
	var o Order
	err := q.Omit("Lines").Take(&o, id).Error
	if db.IsNotFound(err) {
		return nil, apperr.NotFound("order %d not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("load order %d: %w", id, err)
	}
	os := []Order{o}
	if err := attachLines(ctx, os); err != nil {
		return nil, err
	}
	return &os[0], nil
}

// attachLines loads the lines and device reservations of every order in two queries.
func attachLines(ctx context.Context, os []Order) error {
	if len(os) == 0 {
		return nil
	}
	ids := make([]int64, len(os))
	idx := make(map[int64]int, len(os))
	for i, o := range os {
		ids[i], idx[o.ID] = o.ID, i
		os[i].Lines = []Line{}
	}
	var lines []Line
	if err := db.Conn(ctx).Where("order_id IN ?", ids).Order("id").Find(&lines).Error; err != nil {
		return fmt.Errorf("load order lines: %w", err)
	}
	var rs []Reservation
	if err := db.Conn(ctx).Where("order_id IN ? AND device_id IS NOT NULL AND released_at IS NULL", ids).Order("id").Find(&rs).Error; err != nil {
		return fmt.Errorf("load reservations: %w", err)
	}
	byLine := map[int64][]int64{}
	for _, r := range rs {
		byLine[r.LineID] = append(byLine[r.LineID], *r.DeviceID)
	}
	for _, l := range lines {
		l.DeviceIDs = byLine[l.ID]
		if l.DeviceIDs == nil {
			l.DeviceIDs = []int64{}
		}
		o := &os[idx[l.OrderID]]
		o.Lines = append(o.Lines, l)
	}
	return nil
}

func listOrders(ctx context.Context, f Filter) ([]Order, int64, error) {
	q := db.Conn(ctx).Model(&Order{}).Omit("Lines")
	if f.After > 0 {
		q = q.Where("id < ?", f.After)
	}
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.MemberID != 0 {
		q = q.Where("member_id = ?", f.MemberID)
	}
	var os []Order
	if err := q.Order("id DESC").Limit(f.Limit + 1).Find(&os).Error; err != nil {
		return nil, 0, fmt.Errorf("list orders: %w", err)
	}
	var next int64
	if len(os) > f.Limit {
		os = os[:f.Limit]
		next = os[len(os)-1].ID
	}
	return os, next, attachLines(ctx, os)
}
