package webhook

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/audit"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/jobs"
	"github.com/hibiken/asynq"
)

// Field error codes of webhooks. None has args.
var (
	CodeURLScheme      = apperr.NewCode("webhook_url_scheme")      // not http or https
	CodeURLCredentials = apperr.NewCode("webhook_url_credentials") // user:password@ in the URL
	CodeURLPrivate     = apperr.NewCode("webhook_url_private")     // loopback, private or link-local address
)

// Limits of a subscription's input.
const (
	MaxURL       = 2000
	MinSecret    = 16
	MaxSecret    = 200
	maxPerMember = 100 // webhooks one member (or the integrations together) may hold
)

// Service manages subscriptions and sends deliveries. The zero value is not ready:
// use NewService.
type Service struct {
	// AllowPrivate lets webhooks point at loopback and private addresses
	// (FSC_WEBHOOK_ALLOW_PRIVATE): tests and receivers on the centre's own network.
	AllowPrivate bool
	// Queue schedules retries at their time; nil leaves them to the periodic sweep.
	Queue *asynq.Client
	// Timeout bounds one try (connect, send, answer).
	Timeout time.Duration
	// MinBackoff and MaxBackoff bound the wait after a failed try: MinBackoff doubled
	// per try, at most MaxBackoff, with jitter (the later half of the interval at random).
	MinBackoff, MaxBackoff time.Duration
	// Overdue is how long past its time a pending delivery waits before the sweep
	// offers it again (its task lost with Redis, or its worker killed).
	Overdue time.Duration
	// Client sends; nil builds one from Timeout and AllowPrivate.
	Client *http.Client

	once   sync.Once
	client *http.Client
}

// NewService returns a service with the production settings.
func NewService() *Service {
	return &Service{Timeout: 10 * time.Second, MinBackoff: 30 * time.Second, MaxBackoff: time.Hour, Overdue: 2 * time.Minute}
}

// NewSubscription is the body of POST /webhooks.
type NewSubscription struct {
	URL    string   `json:"url" validate:"max=2000"`
	Events []string `json:"events" validate:"max=8,dive,max=64"`
	Secret string   `json:"secret,omitempty" validate:"max=200"`
}

// Created is the answer of POST /webhooks: the secret is shown this once.
type Created struct {
	Subscription
	Secret string `json:"secret"`
}

var managers = []auth.Role{auth.RoleAdmin, auth.RoleMember}

// Create subscribes (admin: an integration, every event; member user: its own
// member's events). It returns Invalid naming each bad field: a URL that is not
// http(s), carries credentials, or (unless AllowPrivate) points at a loopback or
// private address; no events, an unknown or repeated one; a secret under 16 or over
// 200 characters or with spaces or control characters. The secret is generated when
// not given.
func (s *Service) Create(ctx context.Context, in NewSubscription) (*Created, error) {
	p, err := auth.Require(ctx, managers...)
	if err != nil {
		return nil, err
	}
	var memberID *int64
	if p.Role == auth.RoleMember {
		if p.MemberID == nil {
			return nil, apperr.Forbidden("a member user without a member cannot subscribe")
		}
		m := *p.MemberID
		memberID = &m
	}
	var fe apperr.Fields
	u := strings.TrimSpace(in.URL)
	s.checkURL(ctx, &fe, u)
	events := checkEvents(&fe, in.Events)
	secret := in.Secret
	switch {
	case secret == "":
	case len(secret) < MinSecret:
		fe.Add("secret", apperr.TooShort, "must be at least %d characters", MinSecret)
	case len(secret) > MaxSecret:
		fe.Add("secret", apperr.TooLong, "must be at most %d characters", MaxSecret)
	case strings.IndexFunc(secret, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }) >= 0:
		fe.Add("secret", apperr.ControlChars, "must not contain spaces or control characters")
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	if secret == "" {
		secret = newSecret()
	}
	sub := &Subscription{URL: u, MemberID: memberID, Secret: secret, CreatedBy: p.Name, CreatedAt: time.Now().UTC(), Events: events}
	err = db.WithTx(ctx, func(ctx context.Context) error {
		var n int64
		q := db.Conn(ctx).Model(&Subscription{})
		if memberID == nil {
			q = q.Where("member_id IS NULL")
		} else {
			q = q.Where("member_id = ?", *memberID)
		}
		if err := q.Count(&n).Error; err != nil {
			return fmt.Errorf("count webhooks: %w", err)
		}
		if n >= maxPerMember {
			return apperr.Conflict("at most %d webhooks; delete one first", maxPerMember)
		}
		if err := db.Conn(ctx).Create(sub).Error; err != nil {
			return fmt.Errorf("create webhook: %w", err)
		}
		rows := make([]subscriptionEvent, len(events))
		for i, e := range events {
			rows[i] = subscriptionEvent{WebhookID: sub.ID, Event: e}
		}
		if err := db.Conn(ctx).Create(&rows).Error; err != nil {
			return fmt.Errorf("create webhook events: %w", err)
		}
		return audit.Record(ctx, "create", "webhook", sub.ID, nil, sub)
	})
	if err != nil {
		return nil, err
	}
	return &Created{Subscription: *sub, Secret: secret}, nil
}

func newSecret() string {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on a supported platform
	}
	return "whsec_" + hex.EncodeToString(b)
}

// checkEvents adds a field error for no events, an unknown one or one listed twice,
// and returns the events in the order given.
func checkEvents(fe *apperr.Fields, events []string) []string {
	if len(events) == 0 {
		fe.Add("events", apperr.Required, "at least one event is required")
		return nil
	}
	if len(events) > len(Events) {
		fe.Add("events", apperr.TooMany, "must have at most %d items", len(Events))
		return nil
	}
	seen := map[string]bool{}
	for i, e := range events {
		field := fmt.Sprintf("events[%d]", i)
		switch {
		case !KnownEvent(e):
			fe.Add(field, apperr.OneOf, "must be one of %s", strings.Join(Events, ", "))
		case seen[e]:
			fe.Add(field, apperr.Duplicate, "%s is listed twice", e)
		}
		seen[e] = true
	}
	return events
}

// checkURL adds the field errors of u.
func (s *Service) checkURL(ctx context.Context, fe *apperr.Fields, u string) {
	switch {
	case u == "":
		fe.Add("url", apperr.Required, "is required")
		return
	case len(u) > MaxURL:
		fe.Add("url", apperr.TooLong, "must be at most %d characters", MaxURL)
		return
	case strings.IndexFunc(u, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }) >= 0:
		fe.Add("url", apperr.ControlChars, "must not contain spaces or control characters")
		return
	}
	pu, err := url.Parse(u)
	switch {
	case err != nil || pu.Host == "" || pu.Opaque != "":
		if err == nil && pu.Scheme != "http" && pu.Scheme != "https" {
			fe.Add("url", CodeURLScheme, "must be an http or https URL")
			return
		}
		fe.Add("url", apperr.BadFormat, "is not a URL with a host")
		return
	case pu.Scheme != "http" && pu.Scheme != "https":
		fe.Add("url", CodeURLScheme, "must be an http or https URL")
		return
	case pu.User != nil:
		fe.Add("url", CodeURLCredentials, "must not carry a user name or password; sign with the secret instead")
		return
	}
	if s.AllowPrivate {
		return
	}
	host := pu.Hostname()
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		fe.Add("url", CodeURLPrivate, "must not point at a loopback or private address")
		return
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if private(ip) {
			fe.Add("url", CodeURLPrivate, "must not point at a loopback or private address")
		}
		return
	}
	// A name: refuse it if it resolves to a private address now. The sender checks
	// the address it connects to on every try as well (DNS may change).
	rctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupNetIP(rctx, "ip", host)
	if err != nil {
		return // not resolvable now: the sender decides when it tries
	}
	for _, a := range addrs {
		if private(a) {
			fe.Add("url", CodeURLPrivate, "must not point at a loopback or private address")
			return
		}
	}
}

var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// private reports whether ip is loopback, private, link-local, unspecified,
// multicast or carrier-grade NAT: nowhere an outside receiver lives.
func private(ip netip.Addr) bool {
	ip = ip.Unmap()
	return ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsUnspecified() || ip.IsMulticast() || cgnat.Contains(ip)
}

// visible reports whether p may see sub: an admin every webhook, a member user those
// of its member.
func visible(p auth.Principal, sub *Subscription) bool {
	if p.Role == auth.RoleAdmin {
		return true
	}
	return p.Role == auth.RoleMember && p.MemberID != nil && sub.MemberID != nil && *sub.MemberID == *p.MemberID
}

// Filter pages List and Deliveries.
type Filter struct {
	After  int64 // List: ids after this; Deliveries: ids before this (newest first)
	Limit  int
	Status string // Deliveries only
}

func (f *Filter) limit() int {
	if f.Limit <= 0 || f.Limit > 500 {
		return 50
	}
	return f.Limit
}

// List returns the webhooks the caller may see (admin: all; member user: its
// member's), oldest first, and the cursor of the next page (0 on the last).
func (s *Service) List(ctx context.Context, f Filter) ([]Subscription, int64, error) {
	p, err := auth.Require(ctx, managers...)
	if err != nil {
		return nil, 0, err
	}
	q := db.Conn(ctx).Where("id > ?", f.After)
	if p.Role != auth.RoleAdmin {
		if p.MemberID == nil {
			return []Subscription{}, 0, nil
		}
		q = q.Where("member_id = ?", *p.MemberID)
	}
	var out []Subscription
	if err := q.Order("id").Limit(f.limit() + 1).Find(&out).Error; err != nil {
		return nil, 0, fmt.Errorf("list webhooks: %w", err)
	}
	var next int64
	if len(out) > f.limit() {
		out = out[:f.limit()]
		next = out[len(out)-1].ID
	}
	if err := attachEvents(ctx, out); err != nil {
		return nil, 0, err
	}
	return out, next, nil
}

func attachEvents(ctx context.Context, subs []Subscription) error {
	if len(subs) == 0 {
		return nil
	}
	ids := make([]int64, len(subs))
	idx := map[int64]int{}
	for i := range subs {
		ids[i], idx[subs[i].ID] = subs[i].ID, i
		subs[i].Events = []string{}
	}
	var rows []subscriptionEvent
	if err := db.Conn(ctx).Where("webhook_id IN ?", ids).Find(&rows).Error; err != nil {
		return fmt.Errorf("webhook events: %w", err)
	}
	for _, r := range rows {
		i := idx[r.WebhookID]
		subs[i].Events = append(subs[i].Events, r.Event)
	}
	for i := range subs {
		subs[i].Events = ordered(subs[i].Events)
	}
	return nil
}

// ordered returns events in the order of Events.
func ordered(events []string) []string {
	out := make([]string, 0, len(events))
	for _, e := range Events {
		for _, x := range events {
			if x == e {
				out = append(out, e)
			}
		}
	}
	return out
}

// Get returns webhook id; NotFound unless the caller may see it.
func (s *Service) Get(ctx context.Context, id int64) (*Subscription, error) {
	p, err := auth.Require(ctx, managers...)
	if err != nil {
		return nil, err
	}
	var sub Subscription
	err = db.Conn(ctx).Take(&sub, id).Error
	if db.IsNotFound(err) || (err == nil && !visible(p, &sub)) {
		return nil, apperr.NotFound("webhook %d not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("load webhook %d: %w", id, err)
	}
	subs := []Subscription{sub}
	if err := attachEvents(ctx, subs); err != nil {
		return nil, err
	}
	return &subs[0], nil
}

// Delete removes webhook id and its delivery log; deliveries not yet sent are not
// sent. NotFound unless the caller may see it.
func (s *Service) Delete(ctx context.Context, id int64) error {
	return db.WithTx(ctx, func(ctx context.Context) error {
		sub, err := s.Get(ctx, id)
		if err != nil {
			return err
		}
		// Children first: SQLite enforces the cascade only with foreign keys on.
		conn := db.Conn(ctx)
		if err := conn.Where("webhook_id = ?", id).Delete(&Delivery{}).Error; err != nil {
			return fmt.Errorf("delete webhook %d deliveries: %w", id, err)
		}
		if err := conn.Where("webhook_id = ?", id).Delete(&subscriptionEvent{}).Error; err != nil {
			return fmt.Errorf("delete webhook %d events: %w", id, err)
		}
		if err := conn.Delete(&Subscription{}, id).Error; err != nil {
			return fmt.Errorf("delete webhook %d: %w", id, err)
		}
		return audit.Record(ctx, "delete", "webhook", id, sub, nil)
	})
}

// Deliveries returns the delivery log of webhook id, newest first, with the cursor
// of the next page (0 on the last); f.Status filters. NotFound unless the caller may
// see the webhook.
func (s *Service) Deliveries(ctx context.Context, id int64, f Filter) ([]Delivery, int64, error) {
	if _, err := s.Get(ctx, id); err != nil {
		return nil, 0, err
	}
	var fe apperr.Fields
	switch f.Status {
	case "", Pending, Delivered, Failed:
	default:
		fe.Add("status", apperr.OneOf, "must be one of %s", "pending, delivered, failed")
	}
	if err := fe.Err(); err != nil {
		return nil, 0, err
	}
	q := db.Conn(ctx).Omit("Data").Where("webhook_id = ?", id)
	if f.After > 0 {
		q = q.Where("id < ?", f.After)
	}
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	var out []Delivery
	if err := q.Order("id DESC").Limit(f.limit() + 1).Find(&out).Error; err != nil {
		return nil, 0, fmt.Errorf("webhook %d deliveries: %w", id, err)
	}
	var next int64
	if len(out) > f.limit() {
		out = out[:f.limit()]
		next = out[len(out)-1].ID
	}
	return out, next, nil
}

// Redeliver sends delivery deliveryID of webhook id again, under the same delivery
// id, with a fresh 24-hour retry window: it is pending again and its task is in the
// outbox when this returns. NotFound unless the caller may see the webhook and the
// delivery is one of its.
func (s *Service) Redeliver(ctx context.Context, id, deliveryID int64) (*Delivery, error) {
	var out *Delivery
	err := db.WithTx(ctx, func(ctx context.Context) error {
		if _, err := s.Get(ctx, id); err != nil {
			return err
		}
		var d Delivery
		err := db.ForUpdate(db.Conn(ctx).Omit("Data")).Where("id = ? AND webhook_id = ?", deliveryID, id).Take(&d).Error
		if db.IsNotFound(err) {
			return apperr.NotFound("delivery %d of webhook %d not found", deliveryID, id)
		}
		if err != nil {
			return fmt.Errorf("load delivery %d: %w", deliveryID, err)
		}
		now := time.Now().UTC()
		upd := map[string]any{"status": Pending, "next_attempt_at": now, "retry_until": now.Add(RetryWindow), "updated_at": now}
		if err := db.Conn(ctx).Model(&Delivery{}).Where("id = ?", d.ID).Updates(upd).Error; err != nil {
			return fmt.Errorf("redeliver %d: %w", d.ID, err)
		}
		d.Status, d.NextAttemptAt, d.UpdatedAt = Pending, &now, now
		if err := jobs.Later(ctx, TypeDeliver, jobs.QueueDefault, DeliverPayload{DeliveryID: d.ID}); err != nil {
			return err
		}
		out = &d
		return audit.Record(ctx, "redeliver", "webhook", id, nil, map[string]any{"delivery_id": d.ID})
	})
	return out, err
}
