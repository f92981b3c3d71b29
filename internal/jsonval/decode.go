// Package jsonval decodes JSON documents into the values encoding/json gives
// for `any` (map[string]any, []any, float64 or json.Number, string, bool,
// nil), faster for the arguments and results the gateway inspects on every
// call. Its output is always encoding/json's (the fuzz tests compare them):
// a faster decoder must not become a parser differential.
package jsonval

import (
	"encoding/json"
	"errors"
	"strconv"
	"unicode/utf8"
)

var errSyntax = errors.New("invalid JSON")

// Decode is json.Unmarshal into an `any`: numbers are float64. Strings with
// escapes and anything unusual go through encoding/json.
func Decode(b []byte) (any, error) { return decode(b, false) }

// DecodeNumbers is a json.Decoder with UseNumber: numbers are json.Number
// (what JSON Schema validation needs, without losing precision).
func DecodeNumbers(b []byte) (any, error) { return decode(b, true) }

// ErrSyntax is returned for a document that is not valid JSON.
var ErrSyntax = errSyntax

func decode(b []byte, useNumber bool) (any, error) {
	d := decoder{b: b, useNumber: useNumber}
	d.ws()
	v, err := d.value(0)
	if err != nil {
		return nil, err
	}
	d.ws()
	if d.i != len(d.b) {
		return nil, errSyntax
	}
	return v, nil
}

type decoder struct {
	b         []byte
	i         int
	useNumber bool
}

func (d *decoder) ws() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

const maxDecodeDepth = 512

func (d *decoder) value(depth int) (any, error) {
	if depth > maxDecodeDepth || d.i >= len(d.b) {
		return nil, errSyntax
	}
	switch c := d.b[d.i]; {
	case c == '{':
		d.i++
		m := make(map[string]any, 4)
		d.ws()
		if d.i < len(d.b) && d.b[d.i] == '}' {
			d.i++
			return m, nil
		}
		for {
			d.ws()
			k, err := d.str()
			if err != nil {
				return nil, err
			}
			d.ws()
			if d.i >= len(d.b) || d.b[d.i] != ':' {
				return nil, errSyntax
			}
			d.i++
			d.ws()
			v, err := d.value(depth + 1)
			if err != nil {
				return nil, err
			}
			m[k] = v // the last of duplicate keys wins, as in encoding/json
			d.ws()
			if d.i >= len(d.b) {
				return nil, errSyntax
			}
			if d.b[d.i] == ',' {
				d.i++
				continue
			}
			if d.b[d.i] == '}' {
				d.i++
				return m, nil
			}
			return nil, errSyntax
		}
	case c == '[':
		d.i++
		a := []any{}
		d.ws()
		if d.i < len(d.b) && d.b[d.i] == ']' {
			d.i++
			return a, nil
		}
		for {
			d.ws()
			v, err := d.value(depth + 1)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
			d.ws()
			if d.i >= len(d.b) {
				return nil, errSyntax
			}
			if d.b[d.i] == ',' {
				d.i++
				continue
			}
			if d.b[d.i] == ']' {
				d.i++
				return a, nil
			}
			return nil, errSyntax
		}
	case c == '"':
		return d.str()
	case c == 't':
		return d.lit("true", true)
	case c == 'f':
		return d.lit("false", false)
	case c == 'n':
		return d.lit("null", nil)
	default:
		return d.num()
	}
}

func (d *decoder) lit(s string, v any) (any, error) {
	if len(d.b)-d.i < len(s) || string(d.b[d.i:d.i+len(s)]) != s {
		return nil, errSyntax
	}
	d.i += len(s)
	return v, nil
}

func (d *decoder) str() (string, error) {
	if d.i >= len(d.b) || d.b[d.i] != '"' {
		return "", errSyntax
	}
	start := d.i
	d.i++
	simple := true
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			d.i++
			if simple {
				return string(d.b[start+1 : d.i-1]), nil
			}
			var s string
			if err := json.Unmarshal(d.b[start:d.i], &s); err != nil {
				return "", err
			}
			return s, nil
		case c == '\\':
			simple = false
			d.i += 2
		case c < 0x20:
			return "", errSyntax
		case c >= utf8.RuneSelf:
			simple = false // invalid UTF-8 is replaced by encoding/json
			d.i++
		default:
			d.i++
		}
	}
	return "", errSyntax
}

func (d *decoder) num() (any, error) {
	start := d.i
	for d.i < len(d.b) {
		switch c := d.b[d.i]; {
		case c >= '0' && c <= '9', c == '-', c == '+', c == '.', c == 'e', c == 'E':
			d.i++
			continue
		}
		break
	}
	s := d.b[start:d.i]
	if len(s) == 0 || !json.Valid(s) {
		return nil, errSyntax
	}
	if d.useNumber {
		return json.Number(s), nil
	}
	f, err := strconv.ParseFloat(string(s), 64)
	if err != nil {
		return nil, errSyntax // out of range, as encoding/json refuses it
	}
	return f, nil
}
