package web

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kcr-project/kcr/internal/audit"
)

// The audit log in words: each event's action, object and actor by name, and its detail as a list of what
// changed, with kcr's codes translated and ids replaced by names or links. The filter links carry the ids,
// so an investigator still reaches every event of one object or actor.

// auditObjectTypes are the object types the audit log records, for the filter's choice.
var auditObjectTypes = []string{"account", "agreement", "api_key", "application", "billing_period", "certificate",
	"client_address", "employee", "login", "mail", "organization", "power_of_attorney", "renewal_wave", "service_center", "tariff", "user"}

// auditLine is one line of an event's detail: what it names, and its value in words. Href, when set,
// links the value to the object's page.
type auditLine struct {
	Name, Value, Href string
}

// auditView is an event in words.
type auditView struct {
	Action     string // the action's name
	ObjectType string
	Object     string // the object's name, "" when it has none to show
	ObjectHref string // the object's page
	ObjectLog  string // the log of this object
	Actor      string // who, by name or by kind
	ActorLog   string // the log of this actor
	Lines      []auditLine
}

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// viewEvent puts an event in words; who is the actor's name where it resolved, orgs the organizations'
// names in the caller's scope.
func viewEvent(l locale, e audit.Event, detail map[string]any, who string, orgs map[string]string) auditView {
	v := auditView{Action: l.T("auditact." + e.Action), ObjectType: l.T("auditobj." + e.ObjectType), Actor: who}
	if _, ok := l.text("auditact." + e.Action); !ok {
		v.Action = e.Action
	}
	if _, ok := l.text("auditobj." + e.ObjectType); !ok {
		v.ObjectType = e.ObjectType
	}
	if e.ObjectID != "" {
		v.ObjectLog = "/ui/admin/audit?" + url.Values{"object_type": {e.ObjectType}, "object_id": {e.ObjectID}}.Encode()
	}
	switch e.ObjectType {
	case "application":
		v.ObjectHref = "/ui/applications/" + url.PathEscape(e.ObjectID)
	case "employee":
		if e.ObjectID != "" {
			v.ObjectHref = "/ui/employees/" + url.PathEscape(e.ObjectID)
		}
	case "certificate":
		v.Object, v.ObjectHref = e.ObjectID, "/ui/certificates/"+url.PathEscape(e.ObjectID)
	case "organization":
		v.Object = orgs[e.ObjectID]
	case "billing_period":
		// The id is "<account>/<period>": the period is what a reader wants.
		if _, period, ok := strings.Cut(e.ObjectID, "/"); ok {
			v.Object = l.month(period)
		}
	}
	if v.Actor == "" {
		kind, _, _ := strings.Cut(e.Actor, ":")
		v.Actor = l.T("auditactor.other")
		if s, ok := l.text("auditactor." + kind); ok {
			v.Actor = s
		}
	}
	if e.Actor != "" {
		v.ActorLog = "/ui/admin/audit?" + url.Values{"actor": {e.Actor}}.Encode()
	}
	keys := make([]string, 0, len(detail))
	for k := range detail {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if line, ok := auditDetailLine(l, e.ObjectType, k, detail[k], orgs); ok {
			v.Lines = append(v.Lines, line)
		}
	}
	return v
}

// auditCodedKeys are the detail entries whose values are codes of a closed set, with the catalogue prefixes
// the code is looked up under, in order; other values (a login, a name) are shown as recorded.
var auditCodedKeys = map[string][]string{
	"from": {"state."}, "to": {"state."}, "state": {"state."},
	"kind": {"kind.", "auditval."}, "from_kind": {"kind."}, "to_kind": {"kind."},
	"reason": {"reason."}, "method": {"method."}, "role": {"role."}, "previous_role": {"role."},
	"position": {"pos."}, "from_position": {"pos."}, "to_position": {"pos."}, "covers": {"pos."},
	"authority": {"authority."}, "issuer": {"issuer."}, "action": {"act."},
}

// auditDetailLine is one detail entry in words; ok is false for an entry that says nothing a reader can
// use (an id of something without a page).
func auditDetailLine(l locale, objType, key string, value any, orgs map[string]string) (auditLine, bool) {
	line := auditLine{Name: l.T("auditkey." + key)}
	if _, ok := l.text("auditkey." + key); !ok {
		line.Name = strings.ReplaceAll(key, "_", " ")
	}
	switch x := value.(type) {
	case nil:
		return line, false
	case bool:
		line.Value = l.T("auditval.no")
		if x {
			line.Value = l.T("auditval.yes")
		}
	case float64:
		line.Value = strconv.FormatFloat(x, 'f', -1, 64)
		switch key {
		case "price_kopecks":
			line.Value = l.rub(int64(x))
		case "csr_bytes":
			line.Value = byteSize(l, int64(x))
		}
	case []any:
		var names []string
		for _, id := range x {
			s, _ := id.(string)
			if n, ok := orgs[s]; ok {
				names = append(names, n)
			}
		}
		switch {
		case key == "organization_ids" && len(x) == 0:
			line.Value = l.T("adm.all_orgs")
		case len(names) == len(x):
			line.Value = strings.Join(names, "; ")
		default:
			line.Value = strconv.Itoa(len(x))
		}
	case string:
		if x == "" {
			return line, false
		}
		line.Value = auditString(l, key, x, orgs)
		switch {
		case key == "kind" && objType == "organization":
			line.Value = l.T("auditval.org." + x)
		case key == "application_id" || key == "bundled_from":
			line.Value, line.Href = l.T("auditval.open"), "/ui/applications/"+url.PathEscape(x)
		case key == "employee_id":
			line.Value, line.Href = l.T("auditval.open"), "/ui/employees/"+url.PathEscape(x)
		case key == "reissue_of" || key == "serial":
			line.Href = "/ui/certificates/" + url.PathEscape(x)
		case uuidRE.MatchString(line.Value):
			return line, false
		}
	default:
		line.Value = fmt.Sprint(x)
	}
	return line, true
}

// auditString is a string detail value in words: a coded value by its name, a date or a period the Russian
// way, an organization by its name.
func auditString(l locale, key, s string, orgs map[string]string) string {
	if n, ok := orgs[s]; ok {
		return n
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return l.date(t)
	}
	if _, err := time.Parse(time.DateOnly, s); err == nil {
		return l.day(s)
	}
	switch key {
	case "period":
		return l.month(s)
	case "document":
		return l.documentText(s)
	}
	for _, p := range auditCodedKeys[key] {
		if v, ok := l.text(p + s); ok {
			return v
		}
	}
	return s
}

// byteSize is a size the way l writes it: "812 байт", "1,5 КБ", "2 МБ".
func byteSize(l locale, n int64) string {
	unit, div := "", int64(1)
	switch {
	case n >= 1<<20:
		unit, div = l.T("size.mb"), 1<<20
	case n >= 1<<10:
		unit, div = l.T("size.kb"), 1<<10
	default:
		return strconv.FormatInt(n, 10) + "\u00a0" + l.T("size.b")
	}
	s := strconv.FormatFloat(float64(n)/float64(div), 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	if l != en {
		s = strings.ReplaceAll(s, ".", ",")
	}
	return s + "\u00a0" + unit
}

// auditActionOptions offer every audit action by name, for the filter.
func auditActionOptions(l locale) []option {
	out := make([]option, len(audit.Actions))
	for i, a := range audit.Actions {
		out[i] = option{string(a), l.T("auditact." + string(a))}
	}
	slices.SortFunc(out, func(a, b option) int { return strings.Compare(a.Label, b.Label) })
	return out
}

// auditTypeOptions offer every object type by name, for the filter.
func auditTypeOptions(l locale) []option {
	out := make([]option, len(auditObjectTypes))
	for i, t := range auditObjectTypes {
		out[i] = option{t, l.T("auditobj." + t)}
	}
	return out
}
