// Package i18n says the pages' words in the user's language. Each language has one
// catalogue, embedded (da.toml, en.toml), read by go-i18n: messages with {{.Arg0}} …
// arguments, plural forms ("1 medlem", "2 medlemmer"), the wording of every apperr code
// ("error.<code>") and the labels of fields ("field.<path>").
//
// A missing message shows its key, so it is seen and fixed rather than hidden; the
// package's tests fail first when a key lacks a language or a page uses an unknown key.
package i18n

import (
	"embed"
	"fmt"
	"io/fs"
	"reflect"
	"slices"
	"strconv"

	"github.com/BurntSushi/toml"
	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// The languages the pages speak. Danish is the default because it is what the users
// speak.
const (
	DA = "da"
	EN = "en"
)

// Codes lists the languages, the default first.
var Codes = []string{DA, EN}

// catalogues are da.toml and en.toml, plus one pair per domain that keeps its words
// apart (contracts.da.toml, contracts.en.toml …); a key may live in one file per language.
//
//go:embed *.toml
var catalogues embed.FS

var (
	bundle = goi18n.NewBundle(language.Danish)
	// ids holds each language's message ids, for Has and the tests; raw the messages.
	ids   = map[string]map[string]bool{}
	raw   = map[string]map[string]*goi18n.Message{}
	langs = map[string]Lang{}
)

func init() {
	bundle.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	for _, code := range Codes {
		ids[code], raw[code] = map[string]bool{}, map[string]*goi18n.Message{}
		for _, name := range catalogueFiles(code) {
			f, err := bundle.LoadMessageFileFS(catalogues, name)
			if err != nil {
				panic(fmt.Sprintf("i18n: catalogue %s: %v", name, err))
			}
			for _, m := range f.Messages {
				if ids[code][m.ID] {
					panic(fmt.Sprintf("i18n: %s: key %s is in two %s catalogues", name, m.ID, code))
				}
				ids[code][m.ID], raw[code][m.ID] = true, m
			}
		}
		langs[code] = Lang{code: code, loc: goi18n.NewLocalizer(bundle, code)}
	}
}

// catalogueFiles are the files of one language: <code>.toml and every <domain>.<code>.toml.
func catalogueFiles(code string) []string {
	names := []string{code + ".toml"}
	more, _ := fs.Glob(catalogues, "*."+code+".toml")
	return append(names, more...)
}

// Lang translates into one language. The zero Lang is Danish.
type Lang struct {
	code string
	loc  *goi18n.Localizer
}

// For returns the language of code, Danish for any code the pages do not speak.
func For(code string) Lang {
	if l, ok := langs[code]; ok {
		return l
	}
	return langs[DA]
}

// Code returns the language's code ("da", "en"), as the html lang attribute wants it.
func (l Lang) Code() string {
	if l.code == "" {
		return DA
	}
	return l.code
}

// Has reports whether the catalogue has the message key.
func (l Lang) Has(key string) bool { return ids[l.Code()][key] }

// T returns the message key with args as {{.Arg0}}, {{.Arg1}} …. When the first
// argument is a whole number it is also the count that picks the plural form. A key
// the catalogue lacks is returned as it is.
func (l Lang) T(key string, args ...any) string {
	data := make(map[string]any, len(args))
	for i, a := range args {
		data["Arg"+strconv.Itoa(i)] = a
	}
	var count any
	if len(args) > 0 && isInteger(args[0]) {
		count = args[0]
	}
	return l.localize(key, data, count)
}

// Keys returns every message key of the language code, sorted.
func Keys(code string) []string {
	out := make([]string, 0, len(ids[code]))
	for k := range ids[code] {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func (l Lang) localize(key string, data map[string]any, count any) string {
	lo := l.loc
	if lo == nil {
		lo = langs[DA].loc
	}
	msg, err := lo.Localize(&goi18n.LocalizeConfig{MessageID: key, TemplateData: data, PluralCount: count})
	if msg == "" && err != nil {
		// Only an unknown key gets here: a missing plural form falls back to "other".
		return key
	}
	return msg
}

func isInteger(v any) bool {
	switch reflect.ValueOf(v).Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	}
	return false
}
