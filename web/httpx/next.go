package httpx

import (
	"net/url"
	"strings"
)

// SafeNext is the one decision whether a redirect target stays on this site: next is
// returned only when it is a local path (one leading "/", no scheme, no host, no user,
// only printable ASCII, no backslash), anything else becomes "/". Browsers read
// "/\t/evil", "/\\evil" and "//evil" as another origin and a CR or LF in a Location
// header splits the response, so none of those pass.
func SafeNext(next string) string {
	if !safeLocal(next) {
		return "/"
	}
	return next
}

func safeLocal(next string) bool {
	if len(next) == 0 || len(next) > 2048 || next[0] != '/' {
		return false
	}
	if len(next) > 1 && (next[1] == '/' || next[1] == '\\') {
		return false
	}
	for i := 0; i < len(next); i++ {
		// Printable ASCII only: no control characters (tab, CR, LF, NUL, DEL), no
		// space, no raw non-ASCII byte (a browser sends those percent-encoded).
		if b := next[i]; b <= ' ' || b >= 0x7f || b == '\\' {
			return false
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return false
	}
	// The path as a browser resolves it must still start with a single "/": an
	// encoded slash or backslash ("/%2F/evil", "/%5Cevil") is kept as a path segment by
	// browsers, but refuse it anyway, it has no use here.
	p := u.Path
	return strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "//") && !strings.ContainsAny(p, "\\") &&
		!strings.HasPrefix(strings.ToLower(u.RawPath), "/%2f") && !strings.HasPrefix(strings.ToLower(u.RawPath), "/%5c")
}
