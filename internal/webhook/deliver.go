package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/jobs"
	"github.com/hibiken/asynq"
	"gorm.io/gorm"
)

// Task types of the periodic jobs.
const (
	// TypeSweep offers pending deliveries whose time is long past again: their task
	// was lost (Redis emptied) or their worker died mid-send.
	TypeSweep = "webhook:sweep"
	// TypePurge deletes deliveries older than PurgeAfter.
	TypePurge = "webhook:purge"
)

// PurgeAfter is how long the delivery log keeps a delivery.
const PurgeAfter = 30 * 24 * time.Hour

// Headers of a delivery.
const (
	HeaderEvent     = "X-FSC-Event"
	HeaderDelivery  = "X-FSC-Delivery"
	HeaderSignature = "X-FSC-Signature"
)

// Sign returns the X-FSC-Signature value of body with secret:
// "sha256=" and the hex HMAC-SHA256.
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify reports whether header is the signature of body with secret, in constant
// time: what a receiver does.
func Verify(secret, header string, body []byte) bool {
	got, ok := strings.CutPrefix(header, "sha256=")
	if !ok {
		return false
	}
	sig, err := hex.DecodeString(got)
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return hmac.Equal(sig, mac.Sum(nil))
}

// RegisterJobs registers the delivery handler, the sweep every 30 s and the daily
// purge.
func (s *Service) RegisterJobs(r jobs.Registry) {
	r.Handle(TypeDeliver, s.HandleDeliver)
	r.Handle(TypeSweep, s.HandleSweep)
	r.Handle(TypePurge, s.HandlePurge)
	r.Every("@every 30s", TypeSweep, 25*time.Second)
	r.Every("40 3 * * *", TypePurge, time.Hour)
}

// HandleDeliver makes one try of the delivery in the payload. It is idempotent: a
// delivery that is not pending, not yet due, or being sent by another worker right
// now is left alone, so the outbox, a retry task and the sweep may all offer it and
// the receiver gets one try at a time. It returns an error only when the database
// fails (asynq retries); the receiver's answer is recorded, not returned.
func (s *Service) HandleDeliver(ctx context.Context, t *asynq.Task) error {
	var p DeliverPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil {
		return fmt.Errorf("%w: bad payload: %v", asynq.SkipRetry, err)
	}
	return s.Attempt(ctx, p.DeliveryID)
}

// leaseMargin is how long past its time-out a try holds its delivery: another worker
// takes it over only after that, when the first one is surely gone.
const leaseMargin = 5 * time.Second

type target struct {
	Delivery
	URL    string
	Secret string
}

// Attempt tries delivery id once if it is due and not held by another try.
func (s *Service) Attempt(ctx context.Context, id int64) error {
	g := db.Root(ctx).WithContext(ctx)
	now := time.Now().UTC()
	lease := now.Add(s.timeout() + leaseMargin)
	res := g.Model(&Delivery{}).
		Where("id = ? AND status = ? AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until < ?)", id, Pending, now, now).
		Updates(map[string]any{"attempts": gorm.Expr("attempts + 1"), "lease_until": lease, "updated_at": now})
	if res.Error != nil {
		return fmt.Errorf("claim delivery %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return nil // done, not due, gone, or in another worker's hands
	}
	var d target
	err := g.Table("webhook_deliveries d").Select("d.*, s.url, s.secret").
		Joins("JOIN webhook_subscriptions s ON s.id = d.webhook_id").Where("d.id = ?", id).Take(&d).Error
	if db.IsNotFound(err) {
		return nil // the webhook was deleted meanwhile
	}
	if err != nil {
		return fmt.Errorf("load delivery %d: %w", id, err)
	}
	code, retryAfter, sendErr := s.send(ctx, &d)
	return s.record(ctx, &d, code, retryAfter, sendErr)
}

// send POSTs the delivery and returns the answer's status (0 for none), its
// Retry-After (0 for none) and the transport error.
func (s *Service) send(ctx context.Context, d *target) (int, time.Duration, error) {
	body, err := d.body()
	if err != nil {
		return 0, 0, err
	}
	rctx, cancel := context.WithTimeout(ctx, s.timeout())
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, d.URL, bytes.NewReader(body))
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "fsc-webhooks/1")
	req.Header.Set(HeaderEvent, d.Event)
	req.Header.Set(HeaderDelivery, DeliveryHeader(d.ID))
	req.Header.Set(HeaderSignature, Sign(d.Secret, body))
	resp, err := s.httpClient().Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, retryAfter(resp.Header.Get("Retry-After"), time.Now()), nil
}

// retryAfter reads a Retry-After header: seconds or an HTTP date; 0 for none.
func retryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	if n, err := strconv.Atoi(h); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// retryable reports whether an answer (or none) is worth another try: time-outs,
// connection failures, 408, 429 and 5xx.
func retryable(code int) bool {
	return code == 0 || code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500
}

// record stores the try's outcome, guarded by the try's attempt number: a try that
// lost its lease to another one records nothing.
func (s *Service) record(ctx context.Context, d *target, code int, wait time.Duration, sendErr error) error {
	interrupted := sendErr != nil && ctx.Err() != nil // the worker is shutting down
	// The outcome is recorded even when ctx ends: the worker is stopping, the
	// database is not.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	now := time.Now().UTC()
	upd := map[string]any{"lease_until": nil, "updated_at": now}
	if code != 0 {
		upd["last_status_code"] = code
	}
	var retryAt time.Time
	switch {
	case sendErr == nil && code >= 200 && code < 300:
		upd["status"], upd["delivered_at"], upd["next_attempt_at"], upd["last_error"] = Delivered, now, nil, ""
	case interrupted:
		// Tried again at once by whichever worker takes the task next, same id.
		upd["next_attempt_at"], upd["last_error"] = now, "interrupted: the worker stopped mid-send"
	case retryable(code):
		delay := s.backoff(d.Attempts)
		if wait > 0 {
			delay = wait
		}
		retryAt = now.Add(delay)
		upd["last_error"] = describe(code, sendErr)
		if retryAt.After(d.RetryUntil) {
			upd["status"], upd["next_attempt_at"] = Failed, nil
			upd["last_error"] = "gave up after 24 hours: " + describe(code, sendErr)
			retryAt = time.Time{}
		} else {
			upd["next_attempt_at"] = retryAt
		}
	default:
		upd["status"], upd["next_attempt_at"], upd["last_error"] = Failed, nil, describe(code, sendErr)
	}
	res := db.Root(wctx).WithContext(wctx).Model(&Delivery{}).Where("id = ? AND attempts = ?", d.ID, d.Attempts).Updates(upd)
	if res.Error != nil {
		return fmt.Errorf("record delivery %d: %w", d.ID, res.Error)
	}
	if interrupted {
		return fmt.Errorf("delivery %d interrupted: %w", d.ID, ctx.Err())
	}
	if !retryAt.IsZero() && res.RowsAffected == 1 {
		s.scheduleRetry(wctx, d.ID, d.Attempts, retryAt)
	}
	return nil
}

func describe(code int, err error) string {
	if err != nil {
		msg := err.Error()
		if len(msg) > 500 {
			msg = msg[:500]
		}
		return strings.ToValidUTF8(msg, "")
	}
	return fmt.Sprintf("HTTP %d", code)
}

// scheduleRetry enqueues the next try of delivery id at at. A failure is only
// logged: the sweep offers the delivery once it is overdue.
func (s *Service) scheduleRetry(ctx context.Context, id int64, attempts int, at time.Time) {
	if s.Queue == nil {
		return
	}
	payload, _ := json.Marshal(DeliverPayload{DeliveryID: id})
	// asynq schedules by whole seconds and runs a task once its second has begun:
	// the next whole second after at is never early.
	at = at.Truncate(time.Second).Add(time.Second)
	_, err := s.Queue.EnqueueContext(ctx, asynq.NewTask(TypeDeliver, payload), asynq.ProcessAt(at),
		asynq.TaskID(fmt.Sprintf("webhook:%d:%d", id, attempts)), asynq.Queue(jobs.QueueDefault), asynq.MaxRetry(5))
	if err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
		slog.Warn("webhook retry not scheduled; the sweep will offer it", "delivery_id", id, "err", err)
	}
}

// backoff is the wait after the attempts-th failed try: MinBackoff doubled per try,
// at most MaxBackoff, the later half of it at random so that retries after an outage
// spread out.
func (s *Service) backoff(attempts int) time.Duration {
	d := s.MinBackoff << min(max(attempts-1, 0), 20)
	if d > s.MaxBackoff || d <= 0 {
		d = s.MaxBackoff
	}
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

func (s *Service) timeout() time.Duration {
	if s.Timeout <= 0 {
		return 10 * time.Second
	}
	return s.Timeout
}

// httpClient is Client, or one that follows no redirects (a 3xx fails the delivery)
// and, unless AllowPrivate, connects to no loopback or private address whatever a
// name resolves to.
func (s *Service) httpClient() *http.Client {
	if s.Client != nil {
		return s.Client
	}
	s.once.Do(func() {
		dialer := &net.Dialer{Timeout: s.timeout()}
		if !s.AllowPrivate {
			dialer.Control = func(_, address string, _ syscall.RawConn) error {
				ap, err := netip.ParseAddrPort(address)
				if err != nil || private(ap.Addr()) {
					return fmt.Errorf("webhook: refusing to connect to %s: a loopback or private address", address)
				}
				return nil
			}
		}
		tr := &http.Transport{Proxy: http.ProxyFromEnvironment, DialContext: dialer.DialContext,
			MaxIdleConns: 256, MaxIdleConnsPerHost: 64, IdleConnTimeout: 90 * time.Second,
			TLSHandshakeTimeout: s.timeout(), ResponseHeaderTimeout: s.timeout()}
		s.client = &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	})
	return s.client
}

// HandleSweep is the handler of TypeSweep.
func (s *Service) HandleSweep(ctx context.Context, _ *asynq.Task) error {
	n, err := s.Sweep(ctx, 1000)
	if n > 0 {
		slog.Info("webhook deliveries offered again", "count", n)
	}
	return err
}

// Sweep offers again, oldest first, at most limit pending deliveries whose time
// passed more than Overdue ago and that no try holds. Offers are deduplicated by
// asynq (the task id names the delivery and its attempt) and tries by the claim, so
// sweeps on several workers at once send nothing twice. It returns how many it
// offered.
func (s *Service) Sweep(ctx context.Context, limit int) (int, error) {
	if s.Queue == nil {
		return 0, nil
	}
	now := time.Now().UTC()
	var ds []Delivery
	err := db.Root(ctx).WithContext(ctx).Select("id", "attempts").
		Where("status = ? AND next_attempt_at < ? AND (lease_until IS NULL OR lease_until < ?)", Pending, now.Add(-s.Overdue), now).
		Order("next_attempt_at").Limit(limit).Find(&ds).Error
	if err != nil {
		return 0, fmt.Errorf("sweep webhook deliveries: %w", err)
	}
	n := 0
	for _, d := range ds {
		payload, _ := json.Marshal(DeliverPayload{DeliveryID: d.ID})
		_, err := s.Queue.EnqueueContext(ctx, asynq.NewTask(TypeDeliver, payload),
			asynq.TaskID(fmt.Sprintf("webhook:%d:%d:sweep", d.ID, d.Attempts)), asynq.Queue(jobs.QueueDefault), asynq.MaxRetry(5))
		switch {
		case errors.Is(err, asynq.ErrTaskIDConflict):
		case err != nil:
			return n, fmt.Errorf("sweep: enqueue delivery %d: %w", d.ID, err)
		default:
			n++
		}
	}
	return n, nil
}

// HandlePurge is the handler of TypePurge.
func (s *Service) HandlePurge(ctx context.Context, _ *asynq.Task) error {
	n, err := s.Purge(ctx, time.Now().UTC().Add(-PurgeAfter))
	if n > 0 {
		slog.Info("webhook deliveries purged", "count", n)
	}
	return err
}

// Purge deletes deliveries created before cutoff, in batches, and returns how many. A
// delivery still pending stays whatever its age: an old one sent again is being tried.
func (s *Service) Purge(ctx context.Context, cutoff time.Time) (int64, error) {
	g := db.Root(ctx).WithContext(ctx)
	var total int64
	for {
		var ids []int64
		if err := g.Model(&Delivery{}).Where("created_at < ? AND status <> ?", cutoff.UTC(), Pending).Order("id").Limit(1000).Pluck("id", &ids).Error; err != nil {
			return total, fmt.Errorf("purge webhook deliveries: %w", err)
		}
		if len(ids) == 0 {
			return total, nil
		}
		res := g.Where("id IN ?", ids).Delete(&Delivery{})
		if res.Error != nil {
			return total, fmt.Errorf("purge webhook deliveries: %w", res.Error)
		}
		total += res.RowsAffected
	}
}
