// Package web is every HTTP concern: the fiber app, middleware, the JSON API, the
// server-rendered pages, problem+json errors and the OpenAPI document.
package web

import (
	"context"
	"log/slog"
	"time"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/jobs"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/orders"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/gofiber/fiber/v2/middleware/requestid"
	"github.com/hibiken/asynq"
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
	routes    []*route
	inspector *asynq.Inspector
	metrics   *metrics
	pages     *pages
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
	})
	s.metrics = newMetrics(s.inspector)
	s.App.Use(recover.New(recover.Config{EnableStackTrace: true}))
	s.App.Use(requestid.New())
	s.App.Use(s.contextMiddleware, s.accessLog, s.metrics.middleware)

	s.App.Get("/healthz", func(c *fiber.Ctx) error { return c.JSON(fiber.Map{"status": "ok"}) })
	s.App.Get("/readyz", s.ready)
	s.App.Get("/metrics", s.metrics.handler())
	s.mountAPI()
	s.mountPages()
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
	ctx = withRequestID(ctx, requestID(c))
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
		status = statusOf(err)
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
