// Package edge holds what every HTTP request passes before any handler: the byte check that keeps NUL and
// invalid UTF-8 away from the database (PostgreSQL refuses them with an internal error, SQLite stores
// them), and the security headers. The API and the web interface both use it.
package edge

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kcr-project/kcr/internal/errs"
)

// MaxCheckedBody bounds the body Check reads; a longer one is left to the handler, which refuses it as too
// large before using it.
const MaxCheckedBody = 1 << 20

// RuleEncoding is the field rule of a value holding NUL or invalid UTF-8.
const RuleEncoding = "encoding"

const encodingMessage = "must be valid UTF-8 text without NUL characters"

func bad(s string) bool { return !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 }

func refuse(field string) error { return errs.Field(field, RuleEncoding, encodingMessage) }

// Check refuses a request whose path, query parameters, or JSON or URL-encoded form body hold NUL or invalid
// UTF-8, with a validation error naming the field: "path", the query parameter's or form field's name
// ("query" or "body" when the name itself is bad), or the JSON field (dotted when nested, [i] for array
// elements; "body" when no field can be named). A body it reads is put back for the handler.
func Check(r *http.Request) error {
	if bad(r.URL.Path) {
		return refuse("path")
	}
	if err := checkValues(r.URL.RawQuery, "query"); err != nil {
		return err
	}
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/json" && mt != "application/x-www-form-urlencoded" {
		return nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxCheckedBody+1))
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(body), r.Body), r.Body}
	if err != nil || len(body) > MaxCheckedBody {
		return nil
	}
	if mt == "application/x-www-form-urlencoded" {
		return checkValues(string(body), "body")
	}
	return checkJSON(body)
}

// checkValues checks URL-encoded pairs after unescaping, naming the value's key, or where (query or body)
// for a bad key; pairs that do not unescape are the handler's.
func checkValues(raw, where string) error {
	v, _ := url.ParseQuery(raw)
	for k, vals := range v {
		if bad(k) {
			return refuse(where)
		}
		for _, s := range vals {
			if bad(s) {
				return refuse(k)
			}
		}
	}
	return nil
}

// checkJSON walks the body's tokens, keeping the path to each string. Invalid UTF-8 is looked for in the
// raw bytes of each token, since decoding replaces it with U+FFFD without a word; NUL (\u0000) in the
// decoded string. JSON broken by a raw NUL or invalid byte is refused naming the field being read; JSON
// malformed otherwise stops the walk: the handler's decoder reports it.
func checkJSON(body []byte) error {
	type frame struct {
		obj     bool
		wantKey bool
		key     string
		idx     int
	}
	var stack []frame
	path := func() string {
		var b strings.Builder
		for _, f := range stack {
			if f.obj {
				if b.Len() > 0 {
					b.WriteByte('.')
				}
				b.WriteString(f.key)
			} else {
				b.WriteString("[" + strconv.Itoa(f.idx) + "]")
			}
		}
		if b.Len() == 0 {
			return "body"
		}
		return b.String()
	}
	advance := func() {
		if n := len(stack); n > 0 {
			if stack[n-1].obj {
				stack[n-1].wantKey = true
			} else {
				stack[n-1].idx++
			}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	prev := int64(0)
	for {
		tok, err := dec.Token()
		if err != nil {
			// A raw NUL or invalid byte breaks the JSON itself: name the field being read when it broke.
			if err != io.EOF && (!utf8.Valid(body) || bytes.IndexByte(body, 0) >= 0) {
				return refuse(path())
			}
			return nil
		}
		off := dec.InputOffset()
		raw := body[prev:off]
		prev = off
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, frame{obj: true, wantKey: true})
			case '[':
				stack = append(stack, frame{})
			default:
				stack = stack[:len(stack)-1]
				advance()
			}
			continue
		case string:
			if n := len(stack); n > 0 && stack[n-1].obj && stack[n-1].wantKey {
				stack[n-1].key, stack[n-1].wantKey = strings.ReplaceAll(t, "\x00", "\uFFFD"), false
				if bad(t) || !utf8.Valid(raw) {
					return refuse(path())
				}
				continue
			}
			if bad(t) || !utf8.Valid(raw) {
				return refuse(path())
			}
		}
		advance()
	}
}

// ContentSecurityPolicy allows scripts, styles and images from kcr itself only: no inline script or style
// attribute, no plugin, no framing by another page.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// SetHeaders sets the security headers every answer carries, and Cache-Control: no-store, since most
// answers hold personal data or certificates; a handler serving public files sets its own Cache-Control.
func SetHeaders(h http.Header) {
	h.Set("Content-Security-Policy", ContentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
}

// Guard sets the security headers on every answer, then answers a request Check refuses with fail instead
// of next.
func Guard(next http.Handler, fail func(http.ResponseWriter, *http.Request, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		SetHeaders(w.Header())
		if err := Check(r); err != nil {
			fail(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}
