package inventory

import (
	"context"
	"fmt"
	"time"

	"github.com/fsc/backoffice/internal/audit"
	"github.com/fsc/backoffice/internal/db"
)

// The inventory side of erasing a citizen's data (orders' anonymisation job): devices
// and their history name a citizen only by the member's citizen reference.

// CitizenActivity reports whether a device is still held for citizen ref of member
// memberID (reserved, in transit, deployed or returning) and when the citizen was last
// named in a device's history (zero if never): the last device came back then.
func (s *Service) CitizenActivity(ctx context.Context, memberID int64, ref string) (held bool, last time.Time, err error) {
	var n int64
	if err := db.Conn(ctx).Table("devices").Where("member_id = ? AND citizen_ref = ? AND state IN ?", memberID, ref, memberStates).
		Count(&n).Error; err != nil {
		return false, time.Time{}, fmt.Errorf("devices of a citizen: %w", err)
	}
	var at []time.Time
	if err := db.Conn(ctx).Table("device_events").Where("member_id = ? AND citizen_ref = ?", memberID, ref).
		Order("at DESC").Limit(1).Pluck("at", &at).Error; err != nil {
		return false, time.Time{}, fmt.Errorf("history of a citizen: %w", err)
	}
	if len(at) > 0 {
		last = at[0]
	}
	return n > 0, last, nil
}

// AnonymiseCitizen replaces citizen reference ref of member memberID by pseudonym on
// devices, in their history and in the devices' audit entries, in the caller's
// transaction. It returns the returns and shipments that history names, for the caller
// to erase the addresses they carry.
func (s *Service) AnonymiseCitizen(ctx context.Context, memberID int64, ref, pseudonym string) (returnIDs, shipmentIDs []int64, err error) {
	conn := db.Conn(ctx)
	var devices []int64
	if err := conn.Table("device_events").Where("member_id = ? AND citizen_ref = ?", memberID, ref).
		Distinct("device_id").Pluck("device_id", &devices).Error; err != nil {
		return nil, nil, fmt.Errorf("devices of a citizen: %w", err)
	}
	if err := conn.Table("device_events").Where("member_id = ? AND citizen_ref = ? AND return_id IS NOT NULL", memberID, ref).
		Distinct("return_id").Pluck("return_id", &returnIDs).Error; err != nil {
		return nil, nil, fmt.Errorf("returns of a citizen: %w", err)
	}
	if err := conn.Table("device_events").Where("member_id = ? AND citizen_ref = ? AND shipment_id IS NOT NULL", memberID, ref).
		Distinct("shipment_id").Pluck("shipment_id", &shipmentIDs).Error; err != nil {
		return nil, nil, fmt.Errorf("shipments of a citizen: %w", err)
	}
	if err := conn.Table("device_events").Where("member_id = ? AND citizen_ref = ?", memberID, ref).
		Update("citizen_ref", pseudonym).Error; err != nil {
		return nil, nil, fmt.Errorf("anonymise device history: %w", err)
	}
	var held []int64
	if err := conn.Table("devices").Where("member_id = ? AND citizen_ref = ?", memberID, ref).Pluck("id", &held).Error; err != nil {
		return nil, nil, fmt.Errorf("devices of a citizen: %w", err)
	}
	if err := conn.Table("devices").Where("member_id = ? AND citizen_ref = ?", memberID, ref).
		Update("citizen_ref", pseudonym).Error; err != nil {
		return nil, nil, fmt.Errorf("anonymise devices: %w", err)
	}
	if err := audit.Scrub(ctx, "device", append(devices, held...), map[string]string{ref: pseudonym}); err != nil {
		return nil, nil, err
	}
	return returnIDs, shipmentIDs, nil
}
