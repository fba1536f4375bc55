package httpx

// NonNil returns xs, or an empty slice for nil, so that JSON says [] rather than null.
func NonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

// All reads every page of a keyset list: list returns the page after the id it is given
// (0: the first) and the id to continue after (0: that was the last page). A download
// or a choice of every member uses it instead of a loop of its own.
func All[T any](list func(after int64) ([]T, int64, error)) ([]T, error) {
	var out []T
	var after int64
	for {
		items, next, err := list(after)
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
		if next == 0 {
			return out, nil
		}
		after = next
	}
}
