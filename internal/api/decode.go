package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/kcr-project/kcr/internal/errs"
)

// MaxBodySize bounds every request body.
const MaxBodySize = 1 << 20

// readBody reads the whole body under the size limit.
func readBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, MaxBodySize+1))
	if err != nil {
		return nil, errs.New(errs.Malformed, "the request body could not be read")
	}
	if len(b) > MaxBodySize {
		return nil, errs.New(errs.TooLarge, "the request body is over %d bytes", MaxBodySize)
	}
	return b, nil
}

func mediaType(r *http.Request) string {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return ""
	}
	return mt
}

// decodeJSON reads a JSON body strictly into v: the content type must be JSON, unknown fields and
// trailing data are refused, and a wrong type names the field.
func decodeJSON(r *http.Request, v any) error {
	if mt := mediaType(r); mt != "application/json" {
		return errs.New(errs.UnsupportedMedia, "the body must be application/json, not %q", r.Header.Get("Content-Type"))
	}
	body, err := readBody(r)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return errs.New(errs.Malformed, "the body must hold exactly one JSON value")
	}
	return nil
}

func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return errs.New(errs.Malformed, "the body is empty; send a JSON object")
	case errors.As(err, &syn):
		return errs.New(errs.Malformed, "the body is not valid JSON (at byte %d)", syn.Offset)
	case errors.As(err, &typ):
		field := jsonPath(typ.Field)
		if field == "" {
			field = "(body)"
		}
		return &errs.Error{Kind: errs.Malformed, Detail: "a field has the wrong type",
			Fields: []errs.FieldError{{Field: field, Rule: "type", Message: "must be " + jsonTypeName(typ.Type.Kind().String())}}}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &errs.Error{Kind: errs.Malformed, Detail: "the body has a field this API does not know",
			Fields: []errs.FieldError{{Field: name, Rule: "unknown", Message: "is not a field of this request"}}}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errs.New(errs.Malformed, "the body ends in the middle of a JSON value")
	}
	return errs.New(errs.Malformed, "the body cannot be decoded")
}

// jsonPath drops the Go names of embedded structs from a decoder field path ("OrganizationInput.inn" →
// "inn"); kcr's JSON names are all lower case.
func jsonPath(p string) string {
	var keep []string
	for _, seg := range strings.Split(p, ".") {
		if seg != "" && !(seg[0] >= 'A' && seg[0] <= 'Z') {
			keep = append(keep, seg)
		}
	}
	return strings.Join(keep, ".")
}

func jsonTypeName(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "an array"
	case "struct", "map":
		return "an object"
	case "int", "int64", "int32", "uint", "uint64", "float64":
		return "a number"
	}
	return "of another type"
}

// query reads the allowed query parameters and refuses any other, naming it.
type query struct {
	v url.Values
}

func parseQuery(r *http.Request, allowed ...string) (query, error) {
	v := r.URL.Query()
	for k, vals := range v {
		if !slices.Contains(allowed, k) {
			return query{}, errs.Field(k, "unknown", "is not a query parameter here; allowed: "+strings.Join(allowed, ", "))
		}
		if len(vals) > 1 {
			return query{}, errs.Field(k, "repeated", "may be given only once")
		}
	}
	return query{v}, nil
}

func (q query) get(k string) string { return strings.TrimSpace(q.v.Get(k)) }

func (q query) limit() (int, error) {
	s := q.get("limit")
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, errs.Field("limit", "type", fmt.Sprintf("must be a whole number, not %q", s))
	}
	if n < 1 || n > 200 {
		return 0, errs.Field("limit", "range", "must be between 1 and 200")
	}
	return n, nil
}
