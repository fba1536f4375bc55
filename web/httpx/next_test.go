package httpx

import "testing"

func TestSafeNextRefusesKnownBypasses(t *testing.T) {
	for _, bad := range []string{
		"", "evil.example", "https://evil.example", "https:evil.example", "http:/evil.example",
		"javascript:alert(1)", "data:text/html,x", "//evil.example", "///evil.example", "/\\evil.example",
		"\\\\evil.example", "/\t/evil.example", "/%09/evil.example"[:0] + "/\t/evil", "\t//evil.example",
		" /x", "/ x", "/\r\nSet-Cookie: fsc_session=attacker", "/\nX-Injected: yes", "/\rX: y", "/\x00",
		"/\x7f", "/x\x0bx", "/é", "/\u2028", "/%2F/evil.example", "/%2f%2fevil.example", "/%5Cevil.example",
		"//user@evil.example/", "/\\/evil", "mailto:x@y", "/" + string(make([]byte, 3000)),
	} {
		if got := SafeNext(bad); got != "/" {
			t.Errorf("SafeNext(%q) = %q, want /", bad, got)
		}
	}
	for _, good := range []string{"/", "/orders", "/orders/12?status=open&x=%20y", "/devices?q=a%2Fb#top",
		"/login?next=%2Forders", "/members/3/edit", "/a/b/../c", "/x:y"} {
		if got := SafeNext(good); got != good {
			t.Errorf("SafeNext(%q) = %q, want it kept", good, got)
		}
	}
}

func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/", "//evil", "/\\evil", "/\t/evil", "https:x", "/ok?a=b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := SafeNext(s)
		if got == "/" {
			return
		}
		if got != s || got[0] != '/' || (len(got) > 1 && (got[1] == '/' || got[1] == '\\')) {
			t.Fatalf("SafeNext(%q) = %q", s, got)
		}
		for i := 0; i < len(got); i++ {
			if got[i] <= ' ' || got[i] >= 0x7f || got[i] == '\\' {
				t.Fatalf("SafeNext(%q) kept byte %#x", s, got[i])
			}
		}
	})
}
