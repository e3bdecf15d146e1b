package config

import (
	"errors"
	"reflect"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// ruleType is one rule type: its name (the value of the type key) and the
// constructor of the RuleSpec that holds its keys, with their defaults.
type ruleType struct {
	name string
	spec func() RuleSpec
}

// ruleTypes are every rule type, in the order messages list them. This is
// the one place rule types are dispatched: decoding finds a rule's keys
// here, validation goes through the RuleSpec made here, and the engines
// evaluate the RuleSpec they are given. A new rule type is a file with its
// RuleSpec and a line here.
var ruleTypes = []ruleType{
	{RulePrice, func() RuleSpec { s := DefaultPriceRule; return &s }},
	{RuleNews, func() RuleSpec { return &NewsRule{} }},
	{RuleImpact, func() RuleSpec { return &ImpactRule{} }},
	{RuleSourceHealth, func() RuleSpec { return &SourceHealthRule{} }},
}

// lookupRuleType returns the rule type called name.
func lookupRuleType(name string) (ruleType, bool) {
	for _, t := range ruleTypes {
		if t.name == name {
			return t, true
		}
	}
	return ruleType{}, false
}

// ruleTypeList names the rule types for messages: "price, news, impact or
// source_health".
func ruleTypeList() string {
	names := make([]string, len(ruleTypes))
	for i, t := range ruleTypes {
		names[i] = t.name
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// keys returns the YAML keys of t's RuleSpec.
func (t ruleType) keys() map[string]bool {
	return yamlKeys(reflect.TypeOf(t.spec()).Elem())
}

// yamlKeys returns the keys of the YAML mapping struct type t decodes,
// those of its inline fields included.
func yamlKeys(t reflect.Type) map[string]bool {
	keys := map[string]bool{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		switch {
		case name == "-" || !f.IsExported():
		case name == "" && strings.Contains(opts, "inline"):
			for k := range yamlKeys(f.Type) {
				keys[k] = true
			}
		case name == "":
			keys[strings.ToLower(f.Name)] = true
		default:
			keys[name] = true
		}
	}
	return keys
}

// UnmarshalYAML decodes a rule in two steps, since its type decides which
// keys it may have: the keys every rule has (type among them) first, then
// the rest into the RuleSpec of that type. A key of another type is "not a
// key of a news rule", a key of no type an unknown key. Like yaml.v3's own
// type errors, these come back as a *yaml.TypeError, so that decoding goes
// on and the file's every problem is listed.
//
// The two decodes are not strict (yaml.v3 drops KnownFields below a
// custom unmarshaler); the check of every key against the type's replaces
// it.
func (r *Rule) UnmarshalYAML(n *yaml.Node) error {
	*r = DefaultRule
	type plain Rule
	if n.Kind != yaml.MappingNode {
		// yaml.v3 says what it is instead of a mapping.
		return n.Decode((*plain)(r))
	}
	var problems []string
	keep := func(err error) error {
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			return err
		}
		for _, m := range te.Errors {
			// Both decodes see a key yaml.v3 cannot read (a list as a key).
			if !slices.Contains(problems, m) {
				problems = append(problems, m)
			}
		}
		return nil
	}
	if err := keep(n.Decode((*plain)(r))); err != nil {
		return err
	}
	t, known := lookupRuleType(r.Type)
	problems = append(problems, foreignKeys(n, t, known)...)
	if known {
		spec := t.spec()
		if err := keep(n.Decode(spec)); err != nil {
			return err
		}
		r.Spec = spec
	}
	if len(problems) > 0 {
		return &yaml.TypeError{Errors: problems}
	}
	return nil
}

// foreignKeys reports the keys of rule mapping n that are neither common
// to every rule nor keys of its type t. When the type is unknown (known is
// false), only keys of no type at all are reported: validation names the
// type as the problem.
func foreignKeys(n *yaml.Node, t ruleType, known bool) []string {
	common := yamlKeys(reflect.TypeOf(Rule{}))
	var own map[string]bool
	if known {
		own = t.keys()
	}
	var out []string
	done := map[string]bool{}
	for _, k := range mappingKeys(n) {
		name := k.key.Value
		if k.key.Kind != yaml.ScalarNode || done[name] || common[name] || own[name] {
			continue
		}
		done[name] = true
		switch {
		case !ofSomeRuleType(name):
			out = append(out, keyProblem(k.at, name, "unknown key %q", name))
		case known:
			out = append(out, keyProblem(k.at, name, "not a key of %s %s rule", article(t.name), t.name))
		}
	}
	return out
}

// ofSomeRuleType reports whether key is a key of any rule type.
func ofSomeRuleType(key string) bool {
	for _, t := range ruleTypes {
		if t.keys()[key] {
			return true
		}
	}
	return false
}

// keyRef is a key of a mapping and the node a problem with it is reported
// at: the key itself, or the "<<" that merged it into the mapping (the
// anchor it comes from may stand in another rule).
type keyRef struct{ key, at *yaml.Node }

// mappingKeys returns the keys of mapping n, with those of the mappings
// merged into it by "<<", so that a merged key is checked like a written
// one. seen stops an anchor merged into itself.
func mappingKeys(n *yaml.Node) []keyRef {
	var out []keyRef
	seen := map[*yaml.Node]bool{}
	var walk func(n, via *yaml.Node)
	walk = func(n, via *yaml.Node) {
		if n.Kind == yaml.AliasNode && n.Alias != nil {
			n = n.Alias
		}
		if seen[n] {
			return
		}
		seen[n] = true
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, at := n.Content[i], via
				if at == nil {
					at = k
				}
				if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
					walk(n.Content[i+1], at)
				} else {
					out = append(out, keyRef{k, at})
				}
			}
		case yaml.SequenceNode: // "<<: [*a, *b]"
			for _, c := range n.Content {
				walk(c, via)
			}
		}
	}
	walk(n, nil)
	return out
}

// article is "an" before a vowel, else "a": "an impact rule".
func article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}

// MarshalYAML writes the rule as one mapping, as it is read: the keys
// every rule has, then those of its type.
func (r Rule) MarshalYAML() (any, error) {
	type plain Rule
	var n yaml.Node
	if err := n.Encode(plain(r)); err != nil {
		return nil, err
	}
	if r.Spec != nil {
		var s yaml.Node
		if err := s.Encode(r.Spec); err != nil {
			return nil, err
		}
		n.Content = append(n.Content, s.Content...)
	}
	return &n, nil
}
