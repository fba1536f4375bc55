package web_test

import (
	"github.com/fsc/backoffice/web/webtest"
)

// matrixBodies gives each write route of the role matrix a body of the right shape, so
// an allowed role gets past decoding (400) to the service, where its own checks (the
// role within the route's roles, the member scoping) answer. Ids that do not exist are
// fine: the service answers 404 or 422 for them, which the matrix accepts; what it
// refuses is 400, 401, 403 and 5xx for an allowed role. A write route with a JSON body
// and no entry here fails the matrix.
func matrixBodies(ts *webtest.Server) map[string]any {
	m751 := ts.Members["751"].ID
	line := map[string]any{"product_id": 1, "quantity": 1}
	return map[string]any{
		"POST /auth/logout":                    nil,
		"POST /members":                        map[string]any{"code": "999", "name": "Matrix Kommune", "kind": "municipality", "ean": "5798000416604", "inhabitants": 1000, "inhabitants_65_plus": 200},
		"PATCH /members/:id":                   map[string]any{"name": "Matrix Kommune"},
		"POST /schemes":                        map[string]any{"code": "MATRIX", "name": "Matrix"},
		"POST /schemes/:id/participants":       map[string]any{"member_id": m751, "joined_on": "2026-01-01"},
		"PATCH /schemes/:id/participants/:pid": map[string]any{"left_on": "2027-01-01"},
		"POST /users":                          map[string]any{"email": "matrix@example.dk", "name": "Matrix", "password": "a-long-password-1", "role": "support"},
		"PATCH /users/:id":                     map[string]any{"name": "Matrix"},
		"POST /tokens":                         map[string]any{"name": "matrix", "role": "support"},
		"POST /locations":                      map[string]any{"code": "MATRIX", "name": "Matrix"},
		"POST /products":                       map[string]any{"sku": "MATRIX-1", "name": "Matrix", "category": "device", "tracking": "serial"},
		"POST /receipts":                       map[string]any{"location_id": 1, "reference": "M-1", "lines": []any{map[string]any{"product_id": 1, "serials": []string{"MATRIX-SN-1"}, "unit_cost_ore": 100}}},
		"POST /devices/:id/transition":         map[string]any{"to": "repair", "reason": "matrix"},
		"POST /devices/:id/transfer":           map[string]any{"member_id": m751, "citizen_ref": "MATRIX-1"},
		"POST /orders":                         map[string]any{"member_id": m751, "lines": []any{line}, "citizen_ref": "MATRIX-1", "delivery": map[string]any{"name": "Matrix", "street": "Vej 1", "postcode": "8000", "city": "Aarhus"}},
		"POST /orders/:id/cancel":              nil,
		"POST /orders/:id/ship":                nil,
		"POST /orders/:id/deliver":             nil,
		"POST /returns":                        map[string]any{"member_id": m751, "device_ids": []int{1}, "reason": "not_needed"},
		"POST /returns/:id/receive":            map[string]any{"location_id": 1, "serials": []string{"MATRIX-SN-1"}},
		"POST /kits":                           map[string]any{"code": "MATRIX", "name": "Matrix", "scheme_id": 1, "components": []any{line}},
		"PUT /kits/:id":                        map[string]any{"code": "MATRIX", "name": "Matrix", "scheme_id": 1, "components": []any{line}},
		"POST /stocktakes":                     map[string]any{"location_id": 1},
		"POST /stocktakes/:id/counts":          map[string]any{"serials": []string{"MATRIX-SN-1"}},
		"POST /stocktakes/:id/confirm":         map[string]any{"reason": "matrix"},
		"POST /recalls":                        map[string]any{"product_id": 1, "vendor_ref": "V-1", "reason": "matrix", "serials": []string{"MATRIX-SN-1"}},
		// Support, webhooks and billing (their own packages' matrices send bodies that
		// must succeed; these need only be of the right shape).
		"POST /tickets":               map[string]any{"member_id": m751, "channel": "portal", "category": "usage", "priority": "low", "subject": "Hjælp"},
		"POST /tickets/:id/comments":  map[string]any{"body": "Status?"},
		"POST /tickets/:id/status":    map[string]any{"status": "resolved", "note": "løst"},
		"POST /tickets/:id/escalate":  map[string]any{"vendor_id": 1, "vendor_ref": "R-1"},
		"POST /tickets/:id/swap":      map[string]any{"device_id": 1},
		"POST /alarms":                map[string]any{"serial": "MATRIX-SN-1", "kind": "offline", "severity": "warning", "occurred_at": "2026-01-01T10:00:00Z"},
		"POST /email-routes":          map[string]any{"member_id": m751, "pattern": "matrix.dk"},
		"PUT /sla-policies/:priority": map[string]any{"first_response_minutes": 480, "resolution_minutes": 2400, "calendar": "business"},
		"POST /webhooks":              map[string]any{"url": "https://hooks.example/fsc", "events": []string{"order.status_changed"}},
		"POST /webhooks/:id/deliveries/:delivery_id/redeliver": nil,
		"POST /allocation-keys":                                map[string]any{"code": "MATRIX", "name": "Nøgle", "weights": map[string]any{"equal": 1}},
		"POST /allocations/preview":                            map[string]any{"allocation_key_id": 1, "scheme_id": 1, "period": "2026-10", "amount_ore": 100},
		"POST /cost-pools":                                     map[string]any{"scheme_id": 1, "period": "2026-11", "name": "IT", "amount_ore": 100, "allocation_key_id": 1},
		"POST /billing-runs":                                   map[string]any{"period": "2026-09"},
		"POST /billing-runs/:id/recompute":                     nil,
		"POST /billing-runs/:id/finalize":                      nil,
		"POST /billing-adjustments":                            map[string]any{"member_id": m751, "period": "2026-11", "amount_ore": 100, "description": "Gebyr"},
	}
}
