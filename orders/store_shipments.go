package orders

import (
	"context"
	"fmt"
	"time"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/internal/db"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// The queries of shipments, alerts and carrier events (see store.go).

func insertShipment(ctx context.Context, sh *Shipment) error {
	if err := db.Conn(ctx).Create(sh).Error; err != nil {
		return fmt.Errorf("create %s shipment: %w", sh.Direction, err)
	}
	return nil
}

// findShipment reads shipment id; lock takes a row lock on PostgreSQL for the rest of
// the transaction.
func findShipment(ctx context.Context, id int64, lock bool) (*Shipment, error) {
	q := db.Conn(ctx)
	if lock {
		q = db.ForUpdate(q)
	}
	var sh Shipment
	err := q.Take(&sh, id).Error
	if db.IsNotFound(err) {
		return nil, apperr.NotFound("shipment %d not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("load shipment %d: %w", id, err)
	}
	return &sh, nil
}

func lockShipment(ctx context.Context, id int64) (*Shipment, error) {
	return findShipment(ctx, id, true)
}

// lockShipmentByTracking reads and locks the shipment with this tracking number.
func lockShipmentByTracking(ctx context.Context, tracking string) (*Shipment, error) {
	var sh Shipment
	err := db.ForUpdate(db.Conn(ctx)).Where("tracking_number = ?", tracking).Take(&sh).Error
	if db.IsNotFound(err) {
		return nil, apperr.NotFound("no shipment with tracking number %s", tracking)
	}
	if err != nil {
		return nil, fmt.Errorf("find shipment: %w", err)
	}
	return &sh, nil
}

// updateShipment writes the columns of upd to shipment id.
func updateShipment(ctx context.Context, id int64, upd map[string]any) error {
	if err := db.Conn(ctx).Model(&Shipment{}).Where("id = ?", id).Updates(upd).Error; err != nil {
		return fmt.Errorf("update shipment %d: %w", id, err)
	}
	return nil
}

func insertAlert(ctx context.Context, a *Alert) error {
	if err := db.Conn(ctx).Create(a).Error; err != nil {
		return fmt.Errorf("alert: %w", err)
	}
	return nil
}

// insertCarrierEvent records event for a shipment and reports whether it is new: ON
// CONFLICT DO NOTHING, as on PostgreSQL a unique violation would abort the transaction
// instead of being skipped.
func insertCarrierEvent(ctx context.Context, shipmentID int64, e CarrierEvent) (bool, error) {
	res := db.Conn(ctx).Table("carrier_events").Clauses(clause.OnConflict{DoNothing: true}).Create(map[string]any{
		"shipment_id": shipmentID, "event": e.Event, "occurred_at": e.OccurredAt.UTC(), "received_at": time.Now().UTC()})
	if res.Error != nil {
		return false, fmt.Errorf("record carrier event: %w", res.Error)
	}
	return res.RowsAffected > 0, nil
}

// dayStart is the first instant of day d in the business calendar, in UTC as times are
// stored.
func dayStart(d civil.Date) time.Time {
	t, err := time.ParseInLocation("2006-01-02", d.String(), civil.Copenhagen)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

// createdWithin limits q to rows created on the days from to to (zero: open).
func createdWithin(q *gorm.DB, from, to civil.Date) *gorm.DB {
	if !from.IsZero() {
		q = q.Where("created_at >= ?", dayStart(from))
	}
	if !to.IsZero() {
		q = q.Where("created_at < ?", dayStart(to.AddDays(1)))
	}
	return q
}

func shipmentQuery(ctx context.Context, f ShipmentFilter) *gorm.DB {
	q := db.Conn(ctx).Model(&Shipment{})
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.Direction != "" {
		q = q.Where("direction = ?", f.Direction)
	}
	if f.MemberID != 0 {
		q = q.Where("member_id = ?", f.MemberID)
	}
	return createdWithin(q, f.From, f.To)
}

// listShipments pages shipments newest first (keyset on id) with their order numbers.
func listShipments(ctx context.Context, f ShipmentFilter) ([]Shipment, int64, error) {
	q := shipmentQuery(ctx, f)
	if f.After > 0 {
		q = q.Where("id < ?", f.After)
	}
	var out []Shipment
	if err := q.Order("id DESC").Limit(f.Limit + 1).Find(&out).Error; err != nil {
		return nil, 0, fmt.Errorf("list shipments: %w", err)
	}
	var next int64
	if len(out) > f.Limit {
		out = out[:f.Limit]
		next = out[len(out)-1].ID
	}
	return out, next, attachOrderNumbers(ctx, out)
}

func countShipments(ctx context.Context, f ShipmentFilter) (int64, error) {
	var n int64
	if err := shipmentQuery(ctx, f).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count shipments: %w", err)
	}
	return n, nil
}

// shipmentsByID returns the shipments ids, with their order numbers, by id.
func shipmentsByID(ctx context.Context, ids []int64) (map[int64]*Shipment, error) {
	out := make(map[int64]*Shipment, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var shs []Shipment
	if err := db.Conn(ctx).Where("id IN ?", ids).Find(&shs).Error; err != nil {
		return nil, fmt.Errorf("shipments: %w", err)
	}
	if err := attachOrderNumbers(ctx, shs); err != nil {
		return nil, err
	}
	for i := range shs {
		out[shs[i].ID] = &shs[i]
	}
	return out, nil
}

// attachOrderNumbers sets the OrderNumber of every outbound shipment, in one query.
func attachOrderNumbers(ctx context.Context, shs []Shipment) error {
	var ids []int64
	for _, sh := range shs {
		if sh.OrderID != nil {
			ids = append(ids, *sh.OrderID)
		}
	}
	nums, err := orderNumbers(ctx, ids)
	if err != nil {
		return err
	}
	for i := range shs {
		if shs[i].OrderID != nil {
			shs[i].OrderNumber = nums[*shs[i].OrderID]
		}
	}
	return nil
}

// openAlerts returns up to limit unresolved alerts, newest first.
func openAlerts(ctx context.Context, limit int) ([]Alert, error) {
	var out []Alert
	if err := db.Conn(ctx).Where("resolved_at IS NULL").Order("id DESC").Limit(limit).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("open alerts: %w", err)
	}
	return out, nil
}
