package web

import (
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/internal/validate"
	"github.com/fsc/backoffice/web/httpx"
	"github.com/gofiber/fiber/v2"
)

var paramRE = regexp.MustCompile(`:([A-Za-z_]+)`)

// openAPIPath turns "/members/:id" into "/api/v1/members/{id}".
func openAPIPath(p string) string { return httpx.Base + paramRE.ReplaceAllString(p, "{$1}") }

// openAPI builds the OpenAPI 3 document from the registered routes.
func (s *Server) openAPI() map[string]any {
	paths := map[string]any{}
	for _, r := range s.api.Routes() {
		item, _ := paths[openAPIPath(r.Path)].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[openAPIPath(r.Path)] = item
		}
		item[strings.ToLower(r.Method)] = operation(&r)
	}
	return map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{"title": "Shared service centre back office", "version": "1",
			"description": "The HTTP API of the back office. Errors are RFC 9457 problem details."},
		"servers": []any{map[string]any{"url": "/"}},
		"paths":   paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer"}},
			"schemas":         map[string]any{"Problem": schemaOf(reflect.TypeOf(httpx.Problem{}), 0, false)},
		},
	}
}

func operation(r *httpx.Route) map[string]any {
	status := r.Status
	if status == 0 {
		status = 200
	}
	op := map[string]any{"summary": r.Summary, "operationId": strings.ToLower(r.Method) + strings.NewReplacer("/", "_", ":", "", "-", "_").Replace(r.Path)}
	if len(r.Roles) > 0 {
		op["security"] = []any{map[string]any{"bearer": []any{}}}
		roles := make([]string, len(r.Roles))
		for i, ro := range r.Roles {
			roles[i] = string(ro)
		}
		op["x-roles"] = roles
	}
	var params []any
	for _, m := range paramRE.FindAllStringSubmatch(r.Path, -1) {
		params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "integer"}})
	}
	for _, q := range r.Query {
		params = append(params, map[string]any{"name": q, "in": "query", "schema": map[string]any{"type": "string", "maxLength": httpx.MaxQueryLength}})
	}
	if params != nil {
		op["parameters"] = params
	}
	if r.Body != nil {
		op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
			"application/json": map[string]any{"schema": schemaOf(reflect.TypeOf(r.Body), 0, true)}}}
	}
	if len(r.Form) > 0 {
		props := map[string]any{}
		for _, f := range r.Form {
			props[f] = map[string]any{"type": "string"}
			if f == "file" {
				props[f] = map[string]any{"type": "string", "format": "binary"}
			}
		}
		op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
			"multipart/form-data": map[string]any{"schema": map[string]any{"type": "object", "properties": props, "required": r.Form}}}}
	}
	ok := map[string]any{"description": "success"}
	if r.Resp != nil {
		ok["content"] = map[string]any{"application/json": map[string]any{"schema": schemaOf(reflect.TypeOf(r.Resp), 0, false)}}
	}
	problemRef := map[string]any{"description": "problem details", "content": map[string]any{
		"application/problem+json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Problem"}}}}
	op["responses"] = map[string]any{strconv.Itoa(status): ok, "default": problemRef}
	return op
}

var (
	timeType = reflect.TypeOf(time.Time{})
	dateType = reflect.TypeOf(civil.Date{})
)

// schemaOf describes t as a JSON schema, following json tags. A request body's (req)
// says the limits that decoding enforces (validate.Bounds): maxLength, maxItems,
// minimum and maximum from the validate tags, or the defaults.
func schemaOf(t reflect.Type, depth int, req bool) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t == dateType:
		return map[string]any{"type": "string", "format": "date"}
	case depth > 6:
		return map[string]any{"type": "object"}
	}
	switch t.Kind() {
	case reflect.String:
		if req {
			return map[string]any{"type": "string", "maxLength": validate.DefaultMaxLength}
		}
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		sch := map[string]any{"type": "array", "items": schemaOf(t.Elem(), depth+1, req)}
		if req {
			sch["maxItems"] = validate.DefaultMaxItems
		}
		return sch
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": schemaOf(t.Elem(), depth+1, req)}
	case reflect.Struct:
		props := map[string]any{}
		addFields(t, props, depth, req)
		return map[string]any{"type": "object", "properties": props}
	default:
		return map[string]any{}
	}
}

func addFields(t reflect.Type, props map[string]any, depth int, req bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		if f.Anonymous && name == "" {
			et := f.Type
			for et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				addFields(et, props, depth, req)
				continue
			}
		}
		if name == "" {
			name = f.Name
		}
		if _, seen := props[name]; !seen {
			sch := schemaOf(f.Type, depth+1, req)
			if req {
				withLimits(sch, f)
			}
			props[name] = sch
		}
	}
}

// withLimits puts the limits of f's validate tag on its schema sch (and on its items').
func withLimits(sch map[string]any, f reflect.StructField) {
	kind := f.Type.Kind()
	if kind == reflect.Pointer {
		kind = f.Type.Elem().Kind()
	}
	own, elem := validate.TagLimits(f.Tag.Get("validate"), kind)
	put := func(sch map[string]any, l validate.Limits) {
		switch sch["type"] {
		case "string":
			if l.MaxLen != nil && sch["maxLength"] != nil {
				sch["maxLength"] = *l.MaxLen
			}
		case "array":
			if l.MaxItems != nil {
				sch["maxItems"] = *l.MaxItems
			}
		case "integer", "number":
			if l.Min != nil {
				sch["minimum"] = *l.Min
			}
			if l.Max != nil {
				sch["maximum"] = *l.Max
			}
		}
	}
	put(sch, own)
	if items, ok := sch["items"].(map[string]any); ok {
		put(items, elem)
	}
}

func (s *Server) apiOpenAPI(c *fiber.Ctx) error { return c.JSON(s.openAPI()) }
