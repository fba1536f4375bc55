package orders

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Booking is what the back office asks the carrier to move.
type Booking struct {
	ShipmentID int64   `json:"-"` // sent as the Idempotency-Key header, not in the body
	Reference  string  `json:"reference"`
	Direction  string  `json:"direction"`
	Recipient  Address `json:"recipient"`
	Parcels    int     `json:"parcels"`
}

// Carrier books shipments. Book returns the tracking number; an error wrapping
// ErrRefused means the carrier refused the shipment for good (4xx), any other error is
// worth retrying (5xx, time-out, network).
type Carrier interface {
	Book(ctx context.Context, b Booking) (string, error)
	Name() string
}

// ErrRefused marks a booking the carrier will never accept as sent.
var ErrRefused = errors.New("carrier refused the shipment")

// HTTPCarrier books through the carrier's HTTP API (see API.md).
type HTTPCarrier struct {
	BaseURL string
	Client  *http.Client
}

// NewHTTPCarrier returns a carrier at baseURL with a 15-second time-out per call. Its
// connections are kept for reuse by every worker goroutine (the default transport keeps
// two per host, so a busy worker would open and close one per booking).
func NewHTTPCarrier(baseURL string) *HTTPCarrier {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	return &HTTPCarrier{BaseURL: strings.TrimRight(baseURL, "/"), Client: &http.Client{Timeout: 15 * time.Second, Transport: tr}}
}

// Name is "http".
func (c *HTTPCarrier) Name() string { return "http" }

// Book posts the booking with Idempotency-Key = shipment id, so a retry after a crash
// never books twice.
func (c *HTTPCarrier) Book(ctx context.Context, b Booking) (string, error) {
	body, err := json.Marshal(b)
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.BaseURL+"/shipments", bytes.NewReader(body))
	if err != nil {
		return "", fmt.Errorf("carrier request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", strconv.FormatInt(b.ShipmentID, 10))
	resp, err := c.Client.Do(req)
	if err != nil {
		return "", fmt.Errorf("carrier: %w", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		var out struct {
			TrackingNumber string `json:"tracking_number"`
		}
		if err := json.Unmarshal(raw, &out); err != nil || out.TrackingNumber == "" {
			return "", fmt.Errorf("carrier answered %d without a tracking number", resp.StatusCode)
		}
		return out.TrackingNumber, nil
	case resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusRequestTimeout:
		return "", fmt.Errorf("%w: %d %s", ErrRefused, resp.StatusCode, strings.TrimSpace(string(raw)))
	default:
		return "", fmt.Errorf("carrier answered %d: %s", resp.StatusCode, strings.TrimSpace(string(raw)))
	}
}

// ManualCarrier books at once with a generated tracking number: for a centre that hands
// parcels over by hand, and when no FSC_CARRIER_URL is set.
type ManualCarrier struct{}

// Name is "manual".
func (ManualCarrier) Name() string { return "manual" }

// Book returns MAN-<shipment id>; the same shipment always gets the same number.
func (ManualCarrier) Book(_ context.Context, b Booking) (string, error) {
	return fmt.Sprintf("MAN-%08d", b.ShipmentID), nil
}
