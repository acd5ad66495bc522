// Package audit defines kcr's append-only audit log: every change and every read of personal data becomes
// an Event, and each event's hash covers its content and the previous event's hash, so that editing or
// deleting any stored row breaks the chain from that row on.
package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Event is one audit record.
type Event struct {
	Seq            int64          `json:"seq"`
	At             time.Time      `json:"at"`
	Actor          string         `json:"actor"`  // "user:<id>", "api_key:<id>", "system"
	Action         string         `json:"action"` // "employee.read", "application.approve", …
	ObjectType     string         `json:"object_type"`
	ObjectID       string         `json:"object_id"`
	AccountID      string         `json:"account_id"`
	OrganizationID string         `json:"organization_id"`
	Detail         map[string]any `json:"detail,omitempty"`
	PrevHash       string         `json:"prev_hash"`
	Hash           string         `json:"hash"`
}

// EncodeDetail renders the detail map as stored (JSON with sorted keys, "{}" when empty).
func EncodeDetail(d map[string]any) (string, error) {
	if len(d) == 0 {
		return "{}", nil
	}
	b, err := json.Marshal(d)
	if err != nil {
		return "", fmt.Errorf("audit detail: %w", err)
	}
	return string(b), nil
}

// Hash computes the chain hash of an event from its stored fields and the previous hash. Each field is
// length-prefixed so that no two different events serialize the same.
func Hash(seq int64, atMicros int64, actor, action, objectType, objectID, accountID, orgID, detail, prevHash string) string {
	h := sha256.New()
	write := func(s string) {
		h.Write([]byte(strconv.Itoa(len(s))))
		h.Write([]byte{':'})
		h.Write([]byte(s))
	}
	write(strconv.FormatInt(seq, 10))
	write(strconv.FormatInt(atMicros, 10))
	for _, s := range []string{actor, action, objectType, objectID, accountID, orgID, detail, prevHash} {
		write(s)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Stored is an event as read back from storage, with the detail still encoded.
type Stored struct {
	Seq                                                   int64
	AtMicros                                              int64
	Actor, Action, ObjectType, ObjectID, AccountID, OrgID string
	Detail, PrevHash, Hash                                string
}

// Verifier walks the chain in sequence order and remembers the first broken link.
type Verifier struct {
	prev    string
	nextSeq int64
	checked int64
}

// BrokenLink describes where the chain breaks.
type BrokenLink struct {
	Seq    int64
	Reason string
}

func (b *BrokenLink) Error() string {
	return fmt.Sprintf("audit chain broken at event %d: %s", b.Seq, b.Reason)
}

// Check feeds the next stored event; it returns a *BrokenLink at the first event that does not fit.
func (v *Verifier) Check(e Stored) error {
	if v.nextSeq == 0 {
		v.nextSeq = 1
	}
	if e.Seq != v.nextSeq {
		return &BrokenLink{Seq: v.nextSeq, Reason: fmt.Sprintf("event %d is missing (next stored is %d)", v.nextSeq, e.Seq)}
	}
	if e.PrevHash != v.prev {
		return &BrokenLink{Seq: e.Seq, Reason: "prev_hash does not match the previous event's hash"}
	}
	want := Hash(e.Seq, e.AtMicros, e.Actor, e.Action, e.ObjectType, e.ObjectID, e.AccountID, e.OrgID, e.Detail, e.PrevHash)
	if want != e.Hash {
		return &BrokenLink{Seq: e.Seq, Reason: "content does not match its hash (the row was altered)"}
	}
	v.prev = e.Hash
	v.nextSeq++
	v.checked++
	return nil
}

// Finish checks the chain's end against the recorded head (last sequence number and hash).
func (v *Verifier) Finish(headSeq int64, headHash string) error {
	if v.checked != headSeq {
		return &BrokenLink{Seq: v.checked + 1, Reason: fmt.Sprintf("the log ends at event %d but the head records %d", v.checked, headSeq)}
	}
	if v.prev != headHash {
		return &BrokenLink{Seq: headSeq, Reason: "the last event's hash does not match the recorded head"}
	}
	return nil
}

// Checked returns how many events verified.
func (v *Verifier) Checked() int64 { return v.checked }
