package config

import (
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Problem is one thing wrong with a configuration file: the key path it
// concerns (feeds[2].url), the line that key stands on when known, and what
// is wrong with it.
type Problem struct {
	Path string
	Line int
	Msg  string
}

func (p Problem) String() string {
	var b strings.Builder
	if p.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", p.Line)
	}
	if p.Path != "" {
		b.WriteString(p.Path)
		b.WriteString(": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// Error lists every problem found in one configuration file. Load returns
// it so that an operator sees all of them at once, not one per attempt.
type Error struct {
	File     string
	Problems []Problem
}

func (e *Error) Error() string {
	var b strings.Builder
	name := e.File
	if name == "" {
		name = "config"
	}
	fmt.Fprintf(&b, "%s: %d problem", name, len(e.Problems))
	if len(e.Problems) != 1 {
		b.WriteString("s")
	}
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return b.String()
}

// problems collects validation failures; validators add to it and never stop
// at the first one.
type problems struct {
	list []Problem
}

func (ps *problems) add(path, format string, args ...any) {
	ps.list = append(ps.list, Problem{Path: path, Msg: fmt.Sprintf(format, args...)})
}

// sortProblems orders problems as they stand in the file.
func sortProblems(ps []Problem) []Problem {
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Line < ps[j].Line })
	return ps
}

// lineIndex maps key paths of a YAML document to the line each starts on, so
// that validation errors found after decoding can still point at the file.
type lineIndex map[string]int

// indexLines follows aliases, so that keys reached through one still have
// a line, but never into the anchor being expanded (a: &a [*a] would
// recurse forever) and never past a budget linear in the document's size
// (an alias bomb must not explode here, before the decoder rejects it).
func indexLines(n *yaml.Node, size int) lineIndex {
	idx := lineIndex{}
	budget := 4*size + 1024
	expanding := map[*yaml.Node]bool{}
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		if budget--; budget < 0 {
			return
		}
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, path)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				p := joinPath(path, k.Value)
				idx[p] = k.Line
				walk(v, p)
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				p := path + "[" + strconv.Itoa(i) + "]"
				idx[p] = c.Line
				walk(c, p)
			}
		case yaml.AliasNode:
			if n.Alias != nil && !expanding[n.Alias] {
				expanding[n.Alias] = true
				walk(n.Alias, path)
				delete(expanding, n.Alias)
			}
		}
	}
	walk(n, "")
	return idx
}

func joinPath(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// lineOf returns the line of path, or of its nearest ancestor present in the
// file (a missing required key is reported at its parent).
func (idx lineIndex) lineOf(path string) int {
	for p := path; p != ""; {
		if l, ok := idx[p]; ok {
			return l
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return 0
}

// pathAt finds the key path whose last element is key and which starts on
// line; yaml.v3's type errors carry only the line and the key name.
func (idx lineIndex) pathAt(line int, key string) string {
	var found []string
	for p, l := range idx {
		if l == line && (p == key || strings.HasSuffix(p, "."+key)) {
			found = append(found, p)
		}
	}
	if len(found) == 0 {
		return ""
	}
	sort.Strings(found)
	return found[0]
}

// keyProblem reports a problem with the mapping key named key, standing
// at node at (the key, or the "<<" that merged it), in the form of a
// yaml.v3 type error. translateYAML turns it into a Problem on the key's
// path, so that decoders that check keys themselves (Rule) report like
// yaml.v3 does.
func keyProblem(at *yaml.Node, key, format string, args ...any) string {
	return fmt.Sprintf("line %d: key %q: ", at.Line, key) + fmt.Sprintf(format, args...)
}

var (
	reUnknownField = regexp.MustCompile(`^line (\d+): field (\S+) not found in type \S+$`)
	reKeyProblem   = regexp.MustCompile(`^line (\d+): key ("(?:[^"\\]|\\.)*"): (.*)$`)
	reCannot       = regexp.MustCompile(`^line (\d+): cannot unmarshal (!!\w+)(?: ` + "`" + `(.*)` + "`" + `)? into (\S+)$`)
	reLine         = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)
)

// translateYAML turns yaml.v3's decoder messages into Problems with key
// paths, in the same words as the validators use.
func translateYAML(err error, idx lineIndex) []Problem {
	var msgs []string
	if te, ok := err.(*yaml.TypeError); ok {
		msgs = te.Errors
	} else {
		msgs = []string{err.Error()}
	}
	out := make([]Problem, 0, len(msgs))
	for _, m := range msgs {
		if sm := reUnknownField.FindStringSubmatch(m); sm != nil {
			line, _ := strconv.Atoi(sm[1])
			p := idx.pathAt(line, sm[2])
			out = append(out, Problem{Path: p, Line: line, Msg: fmt.Sprintf("unknown key %q", sm[2])})
			continue
		}
		if sm := reKeyProblem.FindStringSubmatch(m); sm != nil {
			line, _ := strconv.Atoi(sm[1])
			key, _ := strconv.Unquote(sm[2])
			p := idx.pathAt(line, key)
			if merge := idx.pathAt(line, "<<"); p == "" && merge != "" {
				p = strings.TrimSuffix(merge, "<<") + key // merged from an anchor
			}
			out = append(out, Problem{Path: p, Line: line, Msg: sm[3]})
			continue
		}
		if sm := reCannot.FindStringSubmatch(m); sm != nil {
			line, _ := strconv.Atoi(sm[1])
			out = append(out, Problem{Path: idx.pathNear(line), Line: line,
				Msg: fmt.Sprintf("cannot use %s %q as %s", kindName(sm[2]), sm[3], typeName(sm[4]))})
			continue
		}
		if sm := reLine.FindStringSubmatch(m); sm != nil {
			line, _ := strconv.Atoi(sm[1])
			out = append(out, Problem{Path: idx.pathNear(line), Line: line, Msg: strings.TrimPrefix(sm[2], "yaml: ")})
			continue
		}
		out = append(out, Problem{Msg: strings.TrimPrefix(m, "yaml: ")})
	}
	return out
}

// pathNear returns the deepest key path that starts on line; among paths
// as deep (a flow sequence on one line), the first in sort order, so the
// same file always gets the same message.
func (idx lineIndex) pathNear(line int) string {
	best := ""
	for p, l := range idx {
		if l == line && (len(p) > len(best) || len(p) == len(best) && p < best) {
			best = p
		}
	}
	return best
}

func kindName(tag string) string {
	switch tag {
	case "!!str":
		return "string"
	case "!!int":
		return "integer"
	case "!!float":
		return "number"
	case "!!bool":
		return "boolean"
	case "!!seq":
		return "a list"
	case "!!map":
		return "a mapping"
	case "!!null":
		return "null"
	}
	return strings.TrimPrefix(tag, "!!")
}

func typeName(goType string) string {
	switch {
	case strings.HasPrefix(goType, "[]"):
		return "a list"
	case strings.HasPrefix(goType, "map["):
		return "a mapping"
	case goType == "string" || strings.HasSuffix(goType, "Secret"):
		return "a string"
	case strings.HasPrefix(goType, "int") || strings.HasPrefix(goType, "uint"):
		return "an integer"
	case strings.HasPrefix(goType, "float"):
		return "a number"
	case goType == "bool":
		return "a boolean"
	case strings.HasPrefix(goType, "config."):
		return "a mapping"
	}
	return goType
}

// syntaxLine finds the line of a YAML syntax error: the first line whose
// addition makes the document unparsable. yaml.v3 reports the line where
// the enclosing block began instead (a bad indentation on line 3 of a
// mapping opened on line 1 says "line 1"). A prefix that fails only
// because it ends early (an open quote or bracket the next lines close)
// does not count. It returns 0 when no line can be singled out; files are
// small, so parsing each prefix costs little.
func syntaxLine(data []byte) int {
	lines := bytes.SplitAfter(data, []byte("\n"))
	var prefix []byte
	for i, l := range lines {
		prefix = append(prefix, l...)
		var n yaml.Node
		err := yaml.Unmarshal(prefix, &n)
		if err != nil && !strings.Contains(err.Error(), "end of stream") {
			return i + 1
		}
	}
	return 0
}
