package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/jobs"
)

// TypeDeliver is the task that sends one delivery.
const TypeDeliver = "webhook:deliver"

// DeliverPayload names the delivery to send.
type DeliverPayload struct {
	DeliveryID int64 `json:"delivery_id"`
}

// RetryWindow is how long a delivery is retried before it is failed.
const RetryWindow = 24 * time.Hour

// Emit writes event with data (the object as its GET answers it, marshalled once) to
// every subscription that asks for it and may see it, through db.Conn(ctx): so inside
// the caller's transaction, a delivery row and an outbox row per subscription commit
// or roll back with the change. Integrations' subscriptions (no member) get every
// event; a member's only those whose memberID is that member, so an event with a nil
// memberID goes to integrations only. It returns an error for an unknown event, data
// that does not marshal, or a failed write; the caller's transaction then rolls back.
func Emit(ctx context.Context, event string, memberID *int64, data any) error {
	if !KnownEvent(event) {
		return fmt.Errorf("webhook: unknown event %q", event)
	}
	conn := db.Conn(ctx)
	q := conn.Table("webhook_subscriptions s").
		Joins("JOIN webhook_subscription_events e ON e.webhook_id = s.id AND e.event = ?", event)
	if memberID == nil {
		q = q.Where("s.member_id IS NULL")
	} else {
		q = q.Where("s.member_id IS NULL OR s.member_id = ?", *memberID)
	}
	var ids []int64
	if err := q.Order("s.id").Pluck("s.id", &ids).Error; err != nil {
		return fmt.Errorf("webhook %s: subscriptions: %w", event, err)
	}
	if len(ids) == 0 {
		return nil
	}
	b, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("webhook %s: marshal: %w", event, err)
	}
	now := time.Now().UTC()
	for _, id := range ids {
		d := &Delivery{WebhookID: id, Event: event, OccurredAt: now, Data: string(b), Status: Pending,
			NextAttemptAt: &now, RetryUntil: now.Add(RetryWindow), CreatedAt: now, UpdatedAt: now}
		if err := conn.Create(d).Error; err != nil {
			return fmt.Errorf("webhook %s: delivery: %w", event, err)
		}
		if err := jobs.Later(ctx, TypeDeliver, jobs.QueueDefault, DeliverPayload{DeliveryID: d.ID}); err != nil {
			return err
		}
	}
	return nil
}

// Wanted reports whether any subscription would get event for memberID, so that a
// caller can skip loading an object nobody listens for.
func Wanted(ctx context.Context, event string, memberID *int64) (bool, error) {
	q := db.Conn(ctx).Table("webhook_subscriptions s").
		Joins("JOIN webhook_subscription_events e ON e.webhook_id = s.id AND e.event = ?", event)
	if memberID == nil {
		q = q.Where("s.member_id IS NULL")
	} else {
		q = q.Where("s.member_id IS NULL OR s.member_id = ?", *memberID)
	}
	var ids []int64
	if err := q.Limit(1).Pluck("s.id", &ids).Error; err != nil {
		return false, fmt.Errorf("webhook %s: subscriptions: %w", event, err)
	}
	return len(ids) > 0, nil
}
