// Package webhook pushes the back office's state changes to the members' and vendors'
// own systems: subscriptions (an integration's, made by an admin, gets every event; a
// member's only the events of that member's objects), deliveries written by Emit in
// the transaction of the change (one per matching subscription, each with its outbox
// row), and the job that signs and sends them, retries them with back-off for 24
// hours, and purges them after 30 days.
//
// It is plumbing: it imports no domain. The domains call Emit next to their audit
// entry, with the object as their GET answers it.
package webhook

import (
	"encoding/json"
	"slices"
	"strconv"
	"time"

	"github.com/fsc/backoffice/internal/db"
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// The events a subscription can ask for. Each names what its data is.
const (
	// OrderStatusChanged: the order (GET /orders/{id}), on placing and every status move.
	OrderStatusChanged = "order.status_changed"
	// ShipmentStatusChanged: the shipment (GET /shipments/{id}).
	ShipmentStatusChanged = "shipment.status_changed"
	// ReturnStatusChanged: the return (GET /returns/{id}), on request and every status move.
	ReturnStatusChanged = "return.status_changed"
	// DeviceStateChanged: the device (GET /devices/{id}) after each lifecycle move.
	DeviceStateChanged = "device.state_changed"
	// TicketCreated and TicketStatusChanged: the ticket (as POST /tickets answers it).
	TicketCreated       = "ticket.created"
	TicketStatusChanged = "ticket.status_changed"
	// BillingRunFinalized: the billing run (GET /billing-runs/{id}), to integrations
	// only. It is emitted by reports/ in the transaction that finalises the run:
	// webhook.Emit(ctx, webhook.BillingRunFinalized, nil, run).
	BillingRunFinalized = "billing_run.finalized"
	// ContractNoticeDue: the contract with the notice raised (to integrations only).
	ContractNoticeDue = "contract.notice_due"
)

// Events lists every event, in the order API.md lists them.
var Events = []string{OrderStatusChanged, ShipmentStatusChanged, ReturnStatusChanged, DeviceStateChanged,
	TicketCreated, TicketStatusChanged, BillingRunFinalized, ContractNoticeDue}

// KnownEvent reports whether e is one of Events.
func KnownEvent(e string) bool { return slices.Contains(Events, e) }

// Delivery statuses.
const (
	Pending   = "pending"
	Delivered = "delivered"
	Failed    = "failed"
)

// Subscription is a webhook: where to POST which events, signed with Secret.
// MemberID is nil for an integration's (every event) and set for a member's (only
// events of that member's objects).
type Subscription struct {
	ID        int64     `json:"id" gorm:"primaryKey"`
	URL       string    `json:"url" gorm:"column:url"`
	MemberID  *int64    `json:"member_id"`
	Secret    string    `json:"-"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	Events    []string  `json:"events" gorm:"-"`
}

// TableName keeps the table name stable.
func (Subscription) TableName() string { return "webhook_subscriptions" }

// subscriptionEvent is one event a subscription asks for.
type subscriptionEvent struct {
	WebhookID int64  `gorm:"primaryKey"`
	Event     string `gorm:"primaryKey"`
}

func (subscriptionEvent) TableName() string { return "webhook_subscription_events" }

// Delivery is one event to one subscription: what was sent (the same body on every
// try), how it went, and when it is tried next.
type Delivery struct {
	ID             int64      `json:"id" gorm:"primaryKey"`
	WebhookID      int64      `json:"webhook_id"`
	Event          string     `json:"event"`
	OccurredAt     time.Time  `json:"occurred_at"`
	Data           string     `json:"-" gorm:"type:text"`
	Status         string     `json:"status"`
	Attempts       int        `json:"attempts"`
	LastStatusCode *int       `json:"last_status_code"`
	LastError      string     `json:"last_error,omitempty"`
	NextAttemptAt  *time.Time `json:"next_attempt_at,omitempty"`
	LeaseUntil     *time.Time `json:"-"`
	RetryUntil     time.Time  `json:"-"`
	DeliveredAt    *time.Time `json:"delivered_at,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
}

// TableName keeps the table name stable.
func (Delivery) TableName() string { return "webhook_deliveries" }

// Body is what a delivery POSTs: the same bytes on every try.
type Body struct {
	ID         int64           `json:"id"`
	Event      string          `json:"event"`
	OccurredAt time.Time       `json:"occurred_at"`
	Data       json.RawMessage `json:"data"`
}

// body returns the JSON a delivery sends.
func (d *Delivery) body() ([]byte, error) {
	return json.Marshal(Body{ID: d.ID, Event: d.Event, OccurredAt: d.OccurredAt.UTC(), Data: json.RawMessage(d.Data)})
}

// DeliveryHeader is the X-FSC-Delivery value of delivery id.
func DeliveryHeader(id int64) string { return strconv.FormatInt(id, 10) }

func init() {
	db.Register(&gormigrate.Migration{
		ID: "202612020215_webhook_tables",
		Migrate: func(tx *gorm.DB) error {
			type subscription struct {
				ID        int64  `gorm:"primaryKey"`
				URL       string `gorm:"column:url;not null"`
				MemberID  *int64 `gorm:"index"` // members(id); no foreign key: plumbing knows no domain table
				Secret    string `gorm:"not null"`
				CreatedBy string `gorm:"not null"`
				CreatedAt time.Time
			}
			type webhookSubscription struct{ ID int64 } // gorm names its table webhook_subscriptions
			type subscriptionEvent struct {
				WebhookID int64                `gorm:"primaryKey"`
				Webhook   *webhookSubscription `gorm:"foreignKey:WebhookID;constraint:OnDelete:CASCADE"`
				Event     string               `gorm:"primaryKey;index:idx_webhook_event"`
			}
			type delivery struct {
				ID             int64                `gorm:"primaryKey;index:idx_webhook_deliveries_log,priority:2"`
				WebhookID      int64                `gorm:"not null;index:idx_webhook_deliveries_log,priority:1"`
				Webhook        *webhookSubscription `gorm:"foreignKey:WebhookID;constraint:OnDelete:CASCADE"`
				Event          string               `gorm:"not null"`
				OccurredAt     time.Time
				Data           string `gorm:"type:text;not null"`
				Status         string `gorm:"not null;index:idx_webhook_deliveries_due,priority:1;check:chk_webhook_delivery_status,status IN ('pending','delivered','failed')"`
				Attempts       int    `gorm:"not null;default:0"`
				LastStatusCode *int
				LastError      string     `gorm:"not null;default:''"`
				NextAttemptAt  *time.Time `gorm:"index:idx_webhook_deliveries_due,priority:2"`
				LeaseUntil     *time.Time
				RetryUntil     time.Time
				DeliveredAt    *time.Time
				CreatedAt      time.Time `gorm:"index"`
				UpdatedAt      time.Time
			}
			// idx_webhook_deliveries_log (webhook_id, id) pages the log newest first;
			// idx_webhook_deliveries_due (status, next_attempt_at) finds overdue tries;
			// created_at's index serves the purge.
			return db.CreateTables(tx,
				db.Table{Name: "webhook_subscriptions", Model: &subscription{}},
				db.Table{Name: "webhook_subscription_events", Model: &subscriptionEvent{}},
				db.Table{Name: "webhook_deliveries", Model: &delivery{}},
			)
		},
		Rollback: func(tx *gorm.DB) error {
			return tx.Migrator().DropTable("webhook_deliveries", "webhook_subscription_events", "webhook_subscriptions")
		},
	})
}
