package inventory

import (
	"context"

	"github.com/fsc/backoffice/internal/webhook"
)

// emitDevice emits device.state_changed for a device moved from before to after, in the
// move's transaction. The member is the one holding it after the move, or, when the
// move took it away (received back into cleaning), the one that held it.
func emitDevice(ctx context.Context, before, after *Device) error {
	m := after.MemberID
	if m == nil {
		m = before.MemberID
	}
	return webhook.Emit(ctx, webhook.DeviceStateChanged, m, after)
}
