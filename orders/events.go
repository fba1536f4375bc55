package orders

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/audit"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/validate"
	"github.com/fsc/backoffice/inventory"
)

// CarrierEvent is what the carrier posts to the webhook.
type CarrierEvent struct {
	TrackingNumber string    `json:"tracking_number" validate:"max=64"`
	Event          string    `json:"event" validate:"max=32"`
	OccurredAt     time.Time `json:"occurred_at"`
}

// VerifySignature checks header "sha256=<hex HMAC-SHA256 of body with secret>" in
// constant time. It returns Unauthorized for a missing or wrong signature, and always
// when no secret is configured.
func VerifySignature(secret, header string, body []byte) error {
	sig, ok := strings.CutPrefix(strings.TrimSpace(header), "sha256=")
	if secret == "" || !ok {
		return apperr.Unauthorized("missing or malformed X-Carrier-Signature")
	}
	got, err := hex.DecodeString(sig)
	if err != nil {
		return apperr.Unauthorized("malformed X-Carrier-Signature")
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return apperr.Unauthorized("bad X-Carrier-Signature")
	}
	return nil
}

// Sign returns the signature header value for body, as the carrier computes it.
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// ParseCarrierEvent decodes and validates a webhook body.
func ParseCarrierEvent(body []byte) (CarrierEvent, error) {
	var e CarrierEvent
	if err := json.Unmarshal(body, &e); err != nil {
		return e, apperr.Malformed(err, "malformed JSON")
	}
	// No control character (PostgreSQL refuses NUL) and no text beyond its limit.
	if err := validate.Bounds(&e); err != nil {
		return e, err
	}
	var fe apperr.Fields
	if strings.TrimSpace(e.TrackingNumber) == "" {
		fe.Add("tracking_number", apperr.Required, "is required")
	}
	switch e.Event {
	case "picked_up", "delivered", "failed":
	default:
		fe.Add("event", apperr.OneOf, "must be one of %s", "picked_up, delivered, failed")
	}
	if e.OccurredAt.IsZero() {
		fe.Add("occurred_at", apperr.Required, "is required (RFC 3339)")
	}
	return e, fe.Err()
}

// HandleCarrierEvent applies a verified carrier event. An unknown tracking number is
// NotFound; an event already received for the shipment changes nothing and is not an
// error. It reports whether anything changed.
func (s *Service) HandleCarrierEvent(ctx context.Context, e CarrierEvent) (bool, error) {
	ctx = auth.WithPrincipal(ctx, auth.Principal{Name: "carrier", Role: auth.RoleSystem})
	changed := false
	err := db.WithTx(ctx, func(ctx context.Context) error {
		// Lock the shipment first, as every other path that changes it does (then the
		// order), so that racing events queue up instead of deadlocking.
		sh, err := lockShipmentByTracking(ctx, e.TrackingNumber)
		if err != nil {
			return err
		}
		isNew, err := insertCarrierEvent(ctx, sh.ID, e)
		if err != nil || !isNew {
			return err // received before: no change
		}
		changed = true
		if err := audit.Record(ctx, "carrier-"+e.Event, "shipment", sh.ID, nil, e); err != nil {
			return err
		}
		return s.applyCarrierEvent(ctx, sh, e)
	})
	return changed, err
}

func (s *Service) applyCarrierEvent(ctx context.Context, sh *Shipment, e CarrierEvent) error {
	switch {
	case e.Event == "failed":
		return s.failShipment(ctx, sh.ID, "carrier reported failure at "+e.OccurredAt.UTC().Format(time.RFC3339), false)
	case e.Event == "delivered" && sh.Direction == Outbound && sh.Status == ShipmentBooked:
		o, err := loadOrder(ctx, *sh.OrderID, true)
		if err != nil || o.Status != Shipped {
			return err
		}
		_, err = s.delivered(ctx, o, inventory.Because(inventory.WhyDeliveredCarrier))
		return err
	case e.Event == "delivered" && sh.Direction == Inbound:
		if err := updateShipment(ctx, sh.ID, map[string]any{"status": ShipmentDelivered, "delivered_at": e.OccurredAt.UTC()}); err != nil {
			return err
		}
		return emitShipment(ctx, &sh.ID, sh.MemberID, sh.Status)
	}
	return nil // picked_up: recorded above; nothing else changes
}
