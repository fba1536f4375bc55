package audit

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/fsc/backoffice/internal/db"
)

// Scrub replaces, in the before and after of the audit entries of entity with the ids,
// every JSON string value that is a key of values by its value in the map: how the
// erasure of personal data reaches the trail (a name or an address becomes "", a
// citizen reference its pseudonym). What an entry says was done, by whom and when
// stays. In the caller's transaction; ids in batches. (A % or _ in a value makes the
// LIKE prefilter match more rows than needed; REPLACE changes exact occurrences only.)
func Scrub(ctx context.Context, entity string, ids []int64, values map[string]string) error {
	if len(ids) == 0 || len(values) == 0 {
		return nil
	}
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		for old, repl := range values {
			if old == "" {
				continue
			}
			from, err := json.Marshal(old)
			if err != nil {
				return err
			}
			to, err := json.Marshal(repl)
			if err != nil {
				return err
			}
			f, t := ":"+string(from), ":"+string(to)
			if err := db.Conn(ctx).Exec(`UPDATE audit_entries SET before = REPLACE(before, ?, ?), after = REPLACE(after, ?, ?)
				WHERE entity = ? AND entity_id IN ? AND (before LIKE ? OR after LIKE ?)`,
				f, t, f, t, entity, chunk, "%"+f+"%", "%"+f+"%").Error; err != nil {
				return fmt.Errorf("scrub audit of %s: %w", entity, err)
			}
		}
	}
	return nil
}
