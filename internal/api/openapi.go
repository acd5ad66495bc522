package api

import (
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kcr-project/kcr/internal/model"
)

// OpenAPI builds the OpenAPI 3.1 document from the route table and the Go types of bodies, so it cannot
// fall out of step with what the server does.
func (s *Server) OpenAPI() map[string]any {
	g := &schemaGen{components: map[string]any{}}
	paths := map[string]map[string]any{}
	pathParam := regexp.MustCompile(`\{([a-z_]+)\}`)
	for _, rt := range s.routes() {
		op := map[string]any{"operationId": rt.ID, "summary": rt.Summary, "tags": []string{rt.Tag}}
		var params []any
		for _, m := range pathParam.FindAllStringSubmatch(rt.Path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		for _, q := range rt.Query {
			schema := map[string]any{"type": "string"}
			if q == "sort" {
				var keys []string
				for _, k := range rt.Sorts {
					keys = append(keys, k, "-"+k)
				}
				schema["enum"] = keys
			} else if values, ok := queryEnums[q]; ok {
				schema["enum"] = values
			}
			params = append(params, map[string]any{"name": q, "in": "query", "required": false, "schema": schema,
				"description": queryDoc(q)})
		}
		if rt.Method == http.MethodPost && !rt.Public {
			params = append(params, map[string]any{"name": "Idempotency-Key", "in": "header", "required": false,
				"schema":      map[string]any{"type": "string", "maxLength": 255},
				"description": "A retried request with the same key and body replays the first answer and creates nothing twice."})
		}
		if params != nil {
			op["parameters"] = params
		}
		switch {
		case rt.In != nil:
			op["requestBody"] = map[string]any{"required": !rt.BodyOptional,
				"content": map[string]any{"application/json": map[string]any{"schema": g.ref(reflect.TypeOf(rt.In))}}}
		case rt.InMedia != nil:
			content := map[string]any{}
			for _, m := range rt.InMedia {
				content[m] = map[string]any{"schema": map[string]any{"type": "string", "contentMediaType": m}}
			}
			op["requestBody"] = map[string]any{"required": true, "content": content}
		}
		resp := map[string]any{}
		ok := map[string]any{"description": http.StatusText(rt.Status)}
		content := map[string]any{}
		if rt.Out != nil {
			content["application/json"] = map[string]any{"schema": g.ref(reflect.TypeOf(rt.Out))}
		}
		for _, m := range rt.OutMedia {
			content[m] = map[string]any{"schema": map[string]any{"type": "string", "contentMediaType": m}}
		}
		if len(content) > 0 {
			ok["content"] = content
		}
		resp[strconv.Itoa(rt.Status)] = ok
		resp["default"] = map[string]any{"description": "An RFC 9457 problem; `type` is urn:kcr:problem:<kind>",
			"content": map[string]any{"application/problem+json": map[string]any{"schema": g.ref(reflect.TypeOf(Problem{}))}}}
		op["responses"] = resp
		if !rt.Public {
			op["security"] = []any{map[string]any{"bearer": []string{}}, map[string]any{"session": []string{}}}
		}
		if paths[rt.Path] == nil {
			paths[rt.Path] = map[string]any{}
		}
		paths[rt.Path][strings.ToLower(rt.Method)] = op
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": "kcr integration API", "version": "1",
			"description": "Organizations, employees, certificate applications and the certificate register of a corporate registration center."},
		"paths": paths,
		"components": map[string]any{
			"schemas": g.components,
			"securitySchemes": map[string]any{
				"bearer":  map[string]any{"type": "http", "scheme": "bearer", "description": "An API key (kcr_…) or a session token (kcrs_…)"},
				"session": map[string]any{"type": "apiKey", "in": "cookie", "name": SessionCookie},
			},
		},
	}
}

func queryDoc(q string) string {
	switch q {
	case "cursor", "after":
		return "Opaque cursor from a previous page's next_cursor"
	case "limit":
		return "Page size, 1 to 200 (default 50)"
	case "sort":
		return "Order of the list: a sort key, with a leading - for descending; without it the list keeps its default order. A next_cursor continues the order it was made in"
	case "organization_name":
		return "Words of the organization's name, each matching any part of a word (case-insensitive, ё as е)"
	case "employee_name":
		return "Words of the person's name, each matching the start of the surname, given name or patronymic (case-insensitive, ё as е)"
	case "name":
		return "Words of the name, each matching any part of a word of an organization's name, or the start of a person's surname, given name or patronymic (case-insensitive, ё as е)"
	case "expires_within_days":
		return "Valid certificates ending within this many days from now, 1 to 3650"
	}
	return "Exact match"
}

func (s *Server) openapi(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(s.OpenAPI())
}

type schemaGen struct {
	components map[string]any
}

var (
	timeType = reflect.TypeOf(time.Time{})
	enumType = reflect.TypeOf((*model.Enum)(nil)).Elem()
)

// queryEnums are the closed sets list filters take; the certificate status filter takes the statuses a
// certificate shows (expired: a valid one past its end).
var queryEnums = map[string][]string{
	"state":  model.State("").EnumValues(),
	"kind":   model.CertKind("").EnumValues(),
	"status": model.CertStatus("").EnumValues(),
}

// ref returns a schema for t, registering named struct types as components.
func (g *schemaGen) ref(t reflect.Type) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == timeType {
		return map[string]any{"type": "string", "format": "date-time"}
	}
	if t.Kind() == reflect.String && t.Implements(enumType) {
		return map[string]any{"type": "string", "enum": reflect.Zero(t).Interface().(model.Enum).EnumValues()}
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Uint, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice:
		return map[string]any{"type": "array", "items": g.ref(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object"}
	case reflect.Interface:
		return map[string]any{}
	case reflect.Struct:
		name := schemaName(t)
		if _, ok := g.components[name]; !ok {
			g.components[name] = map[string]any{} // placeholder against recursion
			g.components[name] = g.object(t)
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}
	}
	return map[string]any{}
}

func schemaName(t reflect.Type) string {
	n := t.Name()
	if i := strings.Index(n, "["); i >= 0 {
		// pageOf[pkg.Type] → TypePage
		inner := n[i+1 : len(n)-1]
		inner = inner[strings.LastIndexAny(inner, "./")+1:]
		return strings.TrimPrefix(inner, "*") + "Page"
	}
	return n
}

// object describes a struct by its JSON encoding: field names from tags, embedded structs flattened,
// omitempty fields optional.
func (g *schemaGen) object(t reflect.Type) map[string]any {
	props := map[string]any{}
	var required []string
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			if tag == "-" || !f.IsExported() {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			if f.Anonymous && name == "" {
				ft := f.Type
				for ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				walk(ft)
				continue
			}
			if name == "" {
				name = f.Name
			}
			props[name] = g.ref(f.Type)
			if !strings.Contains(opts, "omitempty") && f.Type.Kind() != reflect.Pointer {
				required = append(required, name)
			}
		}
	}
	walk(t)
	sort.Strings(required)
	out := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		out["required"] = required
	}
	return out
}
