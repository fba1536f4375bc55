package admin

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/fsc/backoffice/web/ui"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/hibiken/asynqmon"
	"github.com/redis/go-redis/v9"
)

// mountJobs serves the job dashboard to admins.
func (h *Handlers) mountJobs(r ui.Router) {
	jobs := h.jobsMonitor()
	r.All("/admin/jobs", httpx.Admins, jobs)
	r.All("/admin/jobs/*", httpx.Admins, jobs)
}

// jobsMonitor serves asynqmon, the queue dashboard, under /admin/jobs. Its own Redis
// connection opens on first use, so a server whose admins never look costs nothing.
//
// The dashboard is a single-page app that changes tasks with JSON requests, which carry
// no form field for the CSRF middleware in front of every page. Its HTML gets a small
// script that adds this session's CSRF token as the _csrf query parameter (which the
// middleware reads like a form field) to every request that is not a GET.
func (h *Handlers) jobsMonitor() fiber.Handler {
	var (
		once sync.Once
		mon  fiber.Handler
	)
	return func(c *fiber.Ctx) error {
		once.Do(func() {
			if _, ok := h.Redis.Client.(*redis.Client); !ok {
				return // a cluster client: asynqmon cannot be pointed at it here
			}
			mon = adaptor.HTTPHandler(asynqmon.New(asynqmon.Options{RootPath: "/admin/jobs", RedisConnOpt: h.Redis.ConnOpt()}))
		})
		if mon == nil {
			return apperr.NotFound("the job dashboard needs a single Redis server")
		}
		if err := mon(c); err != nil {
			return err
		}
		if strings.HasPrefix(string(c.Response().Header.ContentType()), "text/html") {
			tok := ui.CSRF(c)
			js, _ := json.Marshal(tok)
			script := `<script>(function(){var t=` + string(js) + `,o=XMLHttpRequest.prototype.open;` +
				`XMLHttpRequest.prototype.open=function(m,u){if(!/^(get|head|options)$/i.test(m)){u=String(u);` +
				`arguments[1]=u+(u.indexOf("?")<0?"?":"&")+"_csrf="+encodeURIComponent(t)}return o.apply(this,arguments)}})();</script>`
			body := bytes.Replace(c.Response().Body(), []byte("</head>"), []byte(script+"</head>"), 1)
			c.Response().SetBody(body)
			c.Set(fiber.HeaderCacheControl, "no-store")
		}
		return nil
	}
}
