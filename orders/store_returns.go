package orders

import (
	"context"
	"fmt"
	"time"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/db"
)

// The queries of returns and the devices they collect (see store.go).

// insertReturn creates r and a row for each of its devices.
func insertReturn(ctx context.Context, r *Return, devices []ReturnDevice) error {
	if err := db.Conn(ctx).Omit("DeviceIDs").Create(r).Error; err != nil {
		return fmt.Errorf("create return: %w", err)
	}
	for i := range devices {
		devices[i].ReturnID = r.ID
	}
	if len(devices) == 0 {
		return nil
	}
	if err := db.Conn(ctx).Create(&devices).Error; err != nil {
		return fmt.Errorf("return %d devices: %w", r.ID, err)
	}
	return nil
}

func findReturn(ctx context.Context, id int64) (*Return, error) {
	var r Return
	err := db.Conn(ctx).Omit("DeviceIDs").Take(&r, id).Error
	if db.IsNotFound(err) {
		return nil, apperr.NotFound("return %d not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("load return %d: %w", id, err)
	}
	return &r, nil
}

// lockReturn serialises the receipts of one return until the transaction ends.
func lockReturn(ctx context.Context, id int64) error {
	var got int64
	if err := db.ForUpdate(db.Conn(ctx).Table("returns")).Where("id = ?", id).Pluck("id", &got).Error; err != nil {
		return fmt.Errorf("lock return %d: %w", id, err)
	}
	return nil
}

// updateReturn writes the columns of upd to return id.
func updateReturn(ctx context.Context, id int64, upd map[string]any) error {
	if err := db.Conn(ctx).Model(&Return{}).Where("id = ?", id).Updates(upd).Error; err != nil {
		return fmt.Errorf("update return %d: %w", id, err)
	}
	return nil
}

// returnDevices returns the devices of the returns ids, by return and device id.
func returnDevices(ctx context.Context, ids ...int64) ([]ReturnDevice, error) {
	var out []ReturnDevice
	if len(ids) == 0 {
		return out, nil
	}
	if err := db.Conn(ctx).Where("return_id IN ?", ids).Order("return_id, device_id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("return devices: %w", err)
	}
	return out, nil
}

func markDeviceReceived(ctx context.Context, returnID, deviceID int64, at time.Time) error {
	if err := db.Conn(ctx).Model(&ReturnDevice{}).Where("return_id = ? AND device_id = ?", returnID, deviceID).
		Update("received_at", at).Error; err != nil {
		return fmt.Errorf("return %d device %d received: %w", returnID, deviceID, err)
	}
	return nil
}

// listReturns pages returns newest first (keyset on id).
func listReturns(ctx context.Context, f ReturnFilter) ([]Return, int64, error) {
	q := db.Conn(ctx).Model(&Return{}).Omit("DeviceIDs")
	switch {
	case f.Open:
		q = q.Where("status IN ?", []string{ReturnRequested, ReturnPartial})
	case f.Status != "":
		q = q.Where("status = ?", f.Status)
	}
	if f.MemberID != 0 {
		q = q.Where("member_id = ?", f.MemberID)
	}
	if len(f.deviceIDs) > 0 {
		q = q.Where("id IN (?)", db.Conn(ctx).Table("return_devices").Select("return_id").Where("device_id IN ?", f.deviceIDs))
	}
	q = createdWithin(q, f.From, f.To)
	if f.After > 0 {
		q = q.Where("id < ?", f.After)
	}
	var rs []Return
	if err := q.Order("id DESC").Limit(f.Limit + 1).Find(&rs).Error; err != nil {
		return nil, 0, fmt.Errorf("list returns: %w", err)
	}
	var next int64
	if len(rs) > f.Limit {
		rs = rs[:f.Limit]
		next = rs[len(rs)-1].ID
	}
	return rs, next, nil
}

// attachReturnDetails sets DeviceIDs, ReceivedCount and Shipment of every return, in
// three queries for them all.
func attachReturnDetails(ctx context.Context, rs []Return) error {
	if len(rs) == 0 {
		return nil
	}
	ids, shipIDs := make([]int64, len(rs)), []int64{}
	idx := make(map[int64]int, len(rs))
	for i := range rs {
		ids[i], idx[rs[i].ID] = rs[i].ID, i
		rs[i].DeviceIDs, rs[i].ReceivedCount = []int64{}, 0
		if rs[i].ShipmentID != nil {
			shipIDs = append(shipIDs, *rs[i].ShipmentID)
		}
	}
	rds, err := returnDevices(ctx, ids...)
	if err != nil {
		return err
	}
	for _, rd := range rds {
		r := &rs[idx[rd.ReturnID]]
		r.DeviceIDs = append(r.DeviceIDs, rd.DeviceID)
		if rd.ReceivedAt != nil {
			r.ReceivedCount++
		}
	}
	shs, err := shipmentsByID(ctx, shipIDs)
	if err != nil {
		return err
	}
	for i := range rs {
		if rs[i].ShipmentID != nil {
			rs[i].Shipment = shs[*rs[i].ShipmentID]
		}
	}
	return nil
}
