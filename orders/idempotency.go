package orders

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
)

// Idempotency-Key: a request that creates an order or a return may carry a key; the
// same caller's retry of the same request answers what the first one made, and the key
// sent with another request is refused. "The same request" is decided here, on the
// decoded and normalised input, not on the bytes of an HTTP body: a page and the API
// need not fake one, and the JSON's spacing or field order does not matter.

// requestVersion prefixes every request hash; change it when the canonical form
// (a field added to NewOrder or NewReturn, another normalisation) changes, so that a
// key stored before is never compared with a hash of another form by accident.
const requestVersion = "v1"

// requestHash is the fingerprint of a normalised request of kind ("order", "return"):
// hex SHA-256 of the version, the kind and the request's JSON (encoding/json writes
// struct fields in declaration order and map keys sorted, so one request always has one
// form).
func requestHash(kind string, in any) string {
	b, err := json.Marshal(in)
	if err != nil {
		// Only an unsupported type fails, which the types of this package are not.
		panic(fmt.Sprintf("orders: request hash of %T: %v", in, err))
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s:%s:", requestVersion, kind)
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

// principalScope is whose keys a key is among: a key is unique per user or API token.
func principalScope(p auth.Principal) string {
	if p.UserID != 0 {
		return fmt.Sprintf("user:%d", p.UserID)
	}
	return fmt.Sprintf("token:%d", p.TokenID)
}

// seenKey returns the id of what a request with this Idempotency-Key created (0 when the
// key is new for the caller), and Invalid (CodeKeyReused) when the key came with
// another request.
func seenKey(ctx context.Context, scope, key, entity, hash string) (int64, error) {
	seen, id, found, err := seenRequest(ctx, scope, key, entity)
	if err != nil || !found {
		return 0, err
	}
	if seen != hash {
		return 0, apperr.Invalid(apperr.Field("Idempotency-Key", CodeKeyReused, "was used before with a different request body"))
	}
	return id, nil
}
