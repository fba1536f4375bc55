package apperr

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
)

func TestFieldKeepsCodeAndArgs(t *testing.T) {
	fe := Field("lines[0].serials[2]", TooLong, "must be at most %d characters", 64)
	if fe.Code != TooLong || fe.Message != "must be at most 64 characters" {
		t.Fatalf("got %+v", fe)
	}
	if len(fe.Args) != 1 || fe.Args[0] != "64" {
		t.Fatalf("args = %q, want [64]", fe.Args)
	}
	if f := Field("x", Required, "is required"); f.Args != nil {
		t.Fatalf("no args should give nil Args, got %q", f.Args)
	}
}

func TestFieldErrorJSONCarriesCode(t *testing.T) {
	b, err := json.Marshal(Field("serial", Taken, "serial %s already exists", "SN-1"))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"field":"serial","code":"taken","message":"serial SN-1 already exists","args":["SN-1"]}`
	if string(b) != want {
		t.Fatalf("got %s\nwant %s", b, want)
	}
	var back FieldError
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Code != Taken {
		t.Fatalf("code after round trip = %q, want taken", back.Code)
	}
}

func TestNewCodeRefusesTwice(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("declaring a code twice must panic")
		}
	}()
	NewCode("required")
}

func TestCodesListsDeclared(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range Codes() {
		seen[c.String()] = true
	}
	for _, c := range []Code{Required, TooLong, Unknown, ControlChars} {
		if !seen[c.String()] {
			t.Errorf("Codes() lacks %s", c)
		}
	}
}

func TestFieldsCollectEveryError(t *testing.T) {
	var fe Fields
	if fe.Err() != nil {
		t.Fatal("no fields must give a nil error")
	}
	fe.Add("a", Required, "is required")
	fe.Add("b", TooLarge, "must be at most %d", 5)
	err := fe.Err()
	var ae *Error
	if !errors.As(err, &ae) || ae.Kind != KindInvalid || len(ae.Fields) != 2 {
		t.Fatalf("got %v", err)
	}
	if !Is(fmt.Errorf("wrapped: %w", err), KindInvalid) {
		t.Fatal("kind must survive wrapping")
	}
}
