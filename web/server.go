// Package web is the HTTP side of the back office: the fiber app and its middleware
// (server.go), the mounting of every web domain package (routes.go), the OpenAPI
// document built from the route table (openapi.go) and the one error handler
// (errors.go). The plumbing is in httpx (API), ui (pages) and i18n (catalogues); each
// domain's API and pages are in their own package (admin, home, …).
package web

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/jobs"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/orders"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/fsc/backoffice/web/ui"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/gofiber/fiber/v2/middleware/requestid"
	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"gorm.io/gorm"
)

// Deps are the services and connections the web layer uses.
type Deps struct {
	DB         *gorm.DB
	Redis      *jobs.Redis
	Dispatcher *jobs.Dispatcher
	Auth       *auth.Service
	Contracts  *contracts.Service
	Inventory  *inventory.Service
	Orders     *orders.Service
	// CarrierSecret signs the carrier's webhooks (HMAC-SHA256).
	CarrierSecret string
	// SecureCookies marks cookies Secure; set it when served over HTTPS.
	SecureCookies bool
	Logger        *slog.Logger
}

// Server is the HTTP side of the back office.
type Server struct {
	Deps
	App       *fiber.App
	api       *httpx.API
	inspector *asynq.Inspector
	metrics   *metrics
	ui        *ui.Renderer
}

// New builds the fiber app with every route.
func New(d Deps) *Server {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	s := &Server{Deps: d, inspector: asynq.NewInspectorFromRedisClient(d.Redis.Client)}
	s.App = fiber.New(fiber.Config{
		AppName:               "fsc",
		ErrorHandler:          s.handleError,
		DisableStartupMessage: true,
		BodyLimit:             64 << 20,
		ReadTimeout:           60 * time.Second,
		WriteTimeout:          120 * time.Second,
		IdleTimeout:           120 * time.Second,
		// Every string a handler gets from the request (params, query, headers, form
		// values, method, path) is a copy, not a view of fasthttp's reused buffers, so a
		// string that outlives its request stays what it was.
		Immutable: true,
	})
	s.App.Server().Handler = knownMethods(s.App.Server().Handler)
	s.metrics = newMetrics(s.inspector)
	s.metrics.reg.MustRegister(jobs.OutboxCollector{DB: d.DB})
	s.App.Use(recover.New(recover.Config{EnableStackTrace: true}))
	s.App.Use(requestid.New())
	s.App.Use(s.contextMiddleware, s.accessLog, s.metrics.middleware, secureAnswers)

	s.App.Get("/healthz", func(c *fiber.Ctx) error { return c.JSON(fiber.Map{"status": "ok"}) })
	s.App.Get("/readyz", s.ready)
	s.App.Get("/metrics", s.metrics.handler())
	s.mount()
	return s
}

// ready answers 200 when the database and Redis answer, 503 otherwise.
func (s *Server) ready(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	checks := fiber.Map{"database": "ok", "redis": "ok"}
	status := fiber.StatusOK
	if sqlDB, err := s.DB.DB(); err != nil || sqlDB.PingContext(ctx) != nil {
		checks["database"], status = "unreachable", fiber.StatusServiceUnavailable
	}
	if err := s.Redis.Client.Ping(ctx).Err(); err != nil {
		checks["redis"], status = "unreachable", fiber.StatusServiceUnavailable
	}
	return c.Status(status).JSON(checks)
}

// contextMiddleware gives handlers a context carrying the database, the outbox
// dispatcher and the request id.
func (s *Server) contextMiddleware(c *fiber.Ctx) error {
	ctx := db.NewContext(c.UserContext(), s.DB)
	if s.Dispatcher != nil {
		ctx = s.Dispatcher.NewContext(ctx)
	}
	ctx = withRequestID(ctx, strings.Clone(requestID(c)))
	c.SetUserContext(ctx)
	return c.Next()
}

// accessLog writes one structured line per request.
func (s *Server) accessLog(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	status := c.Response().StatusCode()
	if err != nil {
		// The error handler has not run yet; the status it will set is what we log.
		status = httpx.StatusOf(err)
	}
	attrs := []any{"method", c.Method(), "path", c.Path(), "status", status,
		"duration_ms", float64(time.Since(start).Microseconds()) / 1000, "request_id", requestID(c)}
	if p, ok := auth.From(c.UserContext()); ok {
		attrs = append(attrs, "user", p.Name, "role", p.Role)
		if p.MemberID != nil {
			attrs = append(attrs, "member_id", *p.MemberID)
		}
	}
	s.Logger.Info("http", attrs...)
	return err
}

func requestID(c *fiber.Ctx) string {
	return c.GetRespHeader(fiber.HeaderXRequestID)
}

// Routes returns the API's route table, the one the OpenAPI document is built from.
func (s *Server) Routes() []httpx.Route { return s.api.Routes() }

// ---- metrics ----

type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(insp *asynq.Inspector) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fsc_http_requests_total", Help: "HTTP requests by method, route and status.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "fsc_http_request_duration_seconds", Help: "HTTP request duration by method and route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"method", "route"}),
	}
	m.reg.MustRegister(m.requests, m.duration, queueCollector{insp},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) middleware(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	status := c.Response().StatusCode()
	if err != nil {
		status = httpx.StatusOf(err)
	}
	// The route pattern, not the path, keeps the label set small. Labels are kept by
	// the registry for good: copies, never views of the request's buffers.
	r, method := strings.Clone(c.Route().Path), knownMethod(c.Method())
	m.requests.WithLabelValues(method, r, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(method, r).Observe(time.Since(start).Seconds())
	return err
}

func (m *metrics) handler() fiber.Handler {
	return adaptor.HTTPHandler(promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
}

// queueCollector reports asynq queue sizes at scrape time.
type queueCollector struct{ insp *asynq.Inspector }

var queueSizeDesc = prometheus.NewDesc("fsc_queue_tasks", "Tasks in an asynq queue by state.", []string{"queue", "state"}, nil)

func (q queueCollector) Describe(ch chan<- *prometheus.Desc) { ch <- queueSizeDesc }

func (q queueCollector) Collect(ch chan<- prometheus.Metric) {
	queues, err := q.insp.Queues()
	if err != nil {
		return
	}
	for _, name := range queues {
		info, err := q.insp.GetQueueInfo(name)
		if err != nil {
			continue
		}
		for state, n := range map[string]int{"pending": info.Pending, "active": info.Active, "scheduled": info.Scheduled,
			"retry": info.Retry, "archived": info.Archived, "completed": info.Completed} {
			ch <- prometheus.MustNewConstMetric(queueSizeDesc, prometheus.GaugeValue, float64(n), name, state)
		}
	}
}
