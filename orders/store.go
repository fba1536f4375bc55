package orders

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/internal/db"
	"gorm.io/gorm"
)

// The queries of orders, their lines and reservations, and idempotency keys; those of
// shipments, alerts and carrier events are in store_shipments.go, of returns in
// store_returns.go. They take ctx (and so the caller's transaction) and decide nothing:
// member scoping and every rule is the service's.

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
	// The cursor is the last order's id; a sort by day compares with that order's key,
	// so the cursor stays a plain id whatever the sort.
	order, after := "id DESC", "id < ?"
	switch f.Sort {
	case SortOldest:
		order, after = "id ASC", "id > ?"
	case SortDue:
		order, after = "due_on ASC, id ASC", "(due_on, id) > (SELECT c.due_on, c.id FROM orders c WHERE c.id = ?)"
	case SortDueLast:
		order, after = "due_on DESC, id DESC", "(due_on, id) < (SELECT c.due_on, c.id FROM orders c WHERE c.id = ?)"
	}
	if f.After > 0 {
		q = q.Where(after, f.After)
	}
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.MemberID != 0 {
		q = q.Where("member_id = ?", f.MemberID)
	}
	if f.Query != "" {
		// Both by an index: the unique number, and idx_orders_citizen_ref.
		q = q.Where("(number = ? OR citizen_ref = ?)", strings.ToUpper(f.Query), f.Query)
	}
	var os []Order
	if err := q.Order(order).Limit(f.Limit + 1).Find(&os).Error; err != nil {
		return nil, 0, fmt.Errorf("list orders: %w", err)
	}
	var next int64
	if len(os) > f.Limit {
		os = os[:f.Limit]
		next = os[len(os)-1].ID
	}
	return os, next, attachLines(ctx, os)
}

// ordersOf is the orders table, of member memberID only unless it is 0.
func ordersOf(ctx context.Context, memberID int64) *gorm.DB {
	q := db.Conn(ctx).Table("orders")
	if memberID != 0 {
		q = q.Where("member_id = ?", memberID)
	}
	return q
}

// countByStatus counts the orders of memberID (0: all) per status.
func countByStatus(ctx context.Context, memberID int64) (map[Status]int64, error) {
	var rows []struct {
		Status Status
		N      int64
	}
	if err := ordersOf(ctx, memberID).Select("status, COUNT(*) AS n").Group("status").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("count orders: %w", err)
	}
	out := make(map[Status]int64, len(Statuses))
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out, nil
}

// countOpenDueBefore counts the orders of memberID (0: all) that are neither delivered
// nor cancelled and were due before day d (see Order.DueOn): requested before d, or
// requested for no day and placed before d began (dStart, in the business calendar).
func countOpenDueBefore(ctx context.Context, memberID int64, d civil.Date, dStart time.Time) (int64, error) {
	var n int64
	err := ordersOf(ctx, memberID).Where("status NOT IN ?", []Status{Delivered, Cancelled}).
		Where("requested_on < ? OR (requested_on IS NULL AND created_at < ?)", d.String(), dStart).Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("count late orders: %w", err)
	}
	return n, nil
}

// backorderedIDs returns up to limit backordered orders, oldest first.
func backorderedIDs(ctx context.Context, limit int) ([]int64, error) {
	var ids []int64
	if err := db.Conn(ctx).Table("orders").Where("status = ?", Backordered).Order("id").Limit(limit).Pluck("id", &ids).Error; err != nil {
		return nil, fmt.Errorf("backorders: %w", err)
	}
	return ids, nil
}

// orderNumbers returns the numbers of the orders ids.
func orderNumbers(ctx context.Context, ids []int64) (map[int64]string, error) {
	out := make(map[int64]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		ID     int64
		Number string
	}
	if err := db.Conn(ctx).Table("orders").Select("id, number").Where("id IN ?", ids).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("order numbers: %w", err)
	}
	for _, r := range rows {
		out[r.ID] = r.Number
	}
	return out, nil
}

// insertOrder creates o and its lines (o.Lines, their OrderID set here).
func insertOrder(ctx context.Context, o *Order) error {
	if err := db.Conn(ctx).Omit("Lines").Create(o).Error; err != nil {
		return fmt.Errorf("create order: %w", err)
	}
	for i := range o.Lines {
		o.Lines[i].OrderID = o.ID
	}
	if len(o.Lines) == 0 {
		return nil
	}
	if err := db.Conn(ctx).Omit("DeviceIDs").Create(&o.Lines).Error; err != nil {
		return fmt.Errorf("create order lines: %w", err)
	}
	return nil
}

// saveStatus writes the status, shipment and number of o.
func saveStatus(ctx context.Context, o *Order) error {
	o.UpdatedAt = time.Now().UTC()
	if err := db.Conn(ctx).Model(&Order{}).Where("id = ?", o.ID).Updates(map[string]any{
		"status": o.Status, "shipment_id": o.ShipmentID, "number": o.Number, "updated_at": o.UpdatedAt}).Error; err != nil {
		return fmt.Errorf("save order %d: %w", o.ID, err)
	}
	return nil
}

func saveReservedQuantity(ctx context.Context, l *Line) error {
	if err := db.Conn(ctx).Model(&Line{}).Where("id = ?", l.ID).Update("reserved_quantity", l.ReservedQuantity).Error; err != nil {
		return fmt.Errorf("update line %d: %w", l.ID, err)
	}
	return nil
}

func insertReservations(ctx context.Context, rs []Reservation) error {
	if len(rs) == 0 {
		return nil
	}
	if err := db.Conn(ctx).Create(&rs).Error; err != nil {
		return fmt.Errorf("record reservations: %w", err)
	}
	return nil
}

// openReservations returns what order orderID still holds, in product and location
// order: the order reserve takes stock balance rows in, so that releasing or shipping
// them never locks two rows in the opposite order of a racing reservation.
func openReservations(ctx context.Context, orderID int64) ([]Reservation, error) {
	var rs []Reservation
	if err := db.Conn(ctx).Where("order_id = ? AND released_at IS NULL", orderID).Order("product_id, location_id, id").Find(&rs).Error; err != nil {
		return nil, fmt.Errorf("reservations of order %d: %w", orderID, err)
	}
	return rs, nil
}

// heldDevices returns the devices order orderID holds, in reservation order.
func heldDevices(ctx context.Context, orderID int64) ([]int64, error) {
	var ids []int64
	err := db.Conn(ctx).Table("order_reservations").Where("order_id = ? AND device_id IS NOT NULL AND released_at IS NULL", orderID).
		Order("id").Pluck("device_id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("devices of order %d: %w", orderID, err)
	}
	return ids, nil
}

// openConsumables returns the open consumable reservations of the orders ids (of
// member memberID only unless it is 0), by order.
func openConsumables(ctx context.Context, ids []int64, memberID int64) ([]Reservation, error) {
	var rs []Reservation
	if len(ids) == 0 {
		return rs, nil
	}
	q := db.Conn(ctx).Where("order_id IN ? AND device_id IS NULL AND released_at IS NULL", ids)
	if memberID != 0 {
		q = q.Where("order_id IN (?)", ordersOf(ctx, memberID).Select("id"))
	}
	if err := q.Order("order_id, id").Find(&rs).Error; err != nil {
		return nil, fmt.Errorf("consumable reservations: %w", err)
	}
	return rs, nil
}

// releaseAll closes every open reservation of order orderID and zeroes its lines.
func releaseAll(ctx context.Context, orderID int64) error {
	now := time.Now().UTC()
	if err := db.Conn(ctx).Model(&Reservation{}).Where("order_id = ? AND released_at IS NULL", orderID).Update("released_at", now).Error; err != nil {
		return fmt.Errorf("release reservations of order %d: %w", orderID, err)
	}
	if err := db.Conn(ctx).Model(&Line{}).Where("order_id = ?", orderID).Update("reserved_quantity", 0).Error; err != nil {
		return fmt.Errorf("reset lines of order %d: %w", orderID, err)
	}
	return nil
}

// seenRequest returns the request hash and the id of what a request with this
// Idempotency-Key made for entity, or found false.
func seenRequest(ctx context.Context, scope, key, entity string) (hash string, id int64, found bool, err error) {
	var row struct {
		RequestHash string
		EntityID    int64
	}
	err = db.Conn(ctx).Table("idempotency_keys").Where("scope = ? AND key = ? AND entity = ?", scope, key, entity).Take(&row).Error
	if db.IsNotFound(err) {
		return "", 0, false, nil
	}
	if err != nil {
		return "", 0, false, fmt.Errorf("idempotency key: %w", err)
	}
	return row.RequestHash, row.EntityID, true, nil
}

// rememberKey records in the caller's transaction what a request with this
// Idempotency-Key created; a second record of one key is a unique violation.
func rememberKey(ctx context.Context, scope, key, hash, entity string, id int64) error {
	if err := db.Conn(ctx).Table("idempotency_keys").Create(map[string]any{"scope": scope, "key": key,
		"request_hash": hash, "entity": entity, "entity_id": id, "created_at": time.Now().UTC()}).Error; err != nil {
		return fmt.Errorf("store idempotency key: %w", err)
	}
	return nil
}
