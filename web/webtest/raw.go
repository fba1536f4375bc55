package webtest

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// Listen serves the app on a local port until the test ends and returns its address
// (host:port), for tests that must talk HTTP over a real connection.
func (ts *Server) Listen() string {
	ts.T.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		ts.T.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- ts.App.Listener(ln) }()
	ts.T.Cleanup(func() {
		_ = ts.App.Shutdown()
		select {
		case <-served:
		case <-time.After(10 * time.Second):
			ts.T.Error("server did not stop within 10s of Shutdown")
		}
	})
	return ln.Addr().String()
}

// RawExchange writes request, bytes as they are, to addr and returns the answer's
// status line and header block exactly as received, and the parsed answer.
func RawExchange(addr, request string) (head string, resp *http.Response, err error) {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return "", nil, err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, request); err != nil {
		return "", nil, err
	}
	br := bufio.NewReader(conn)
	var b strings.Builder
	for {
		line, err := br.ReadString('\n')
		b.WriteString(line)
		if err != nil {
			return b.String(), nil, err
		}
		if line == "\r\n" || line == "\n" {
			break
		}
	}
	resp, err = http.ReadResponse(bufio.NewReader(io.MultiReader(strings.NewReader(b.String()), br)), nil)
	if err == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	return b.String(), resp, err
}
