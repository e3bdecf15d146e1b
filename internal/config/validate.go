package config

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// validator carries what the section validators share: the problem list,
// the loaded time zone and the directory that relative paths start from.
type validator struct {
	ps  *problems
	loc *time.Location
	dir string
}

func (c *Config) validate(ps *problems, dir string) {
	loc, err := time.LoadLocation(c.Global.Timezone)
	if err != nil || c.Global.Timezone == "" {
		ps.add("global.timezone", "unknown time zone %q", c.Global.Timezone)
		loc = time.UTC
	}
	c.location = loc
	if strings.TrimSpace(c.Global.UserAgent) == "" {
		ps.add("global.user_agent", "is required")
	}
	v := &validator{ps: ps, loc: loc, dir: dir}

	symbols := validateTickers(ps, c.Tickers)
	validateQuotes(ps, &c.Quotes, v)
	v.schedule("news.schedule", c.News.Schedule)
	v.positive("news.timeout", c.News.Timeout)
	v.positive("news.seen_retention", c.News.SeenRetention)
	v.positive("news.dedup_window", c.News.DedupWindow)
	v.positive("news.max_item_age", c.News.MaxItemAge)
	validateFeeds(ps, c, v, symbols)
	validateKeywords(ps, c.Keywords)
	receivers := validateReceivers(ps, c, v)
	validateRules(ps, c, v, symbols, receivers)
	validateImpact(ps, &c.Impact, v, c.Keywords)
	validateShard(ps, c.Shard)
}

// ParseSchedule parses a cron spec the way the scheduler runs it: five
// fields or a descriptor (@every 1m, @hourly), in loc unless the spec starts
// with CRON_TZ=Zone.
func ParseSchedule(spec string, loc *time.Location) (cron.Schedule, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return nil, fmt.Errorf("is required")
	}
	if strings.HasPrefix(spec, "CRON_TZ=") || strings.HasPrefix(spec, "TZ=") {
		// robfig/cron slices up to the first space and panics without one.
		if !strings.Contains(spec, " ") {
			return nil, fmt.Errorf("%q has a time zone but no schedule", spec)
		}
	} else if loc != nil {
		spec = "CRON_TZ=" + loc.String() + " " + spec
	}
	p := cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)
	s, err := p.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("bad cron spec: %v", err)
	}
	if i := strings.Index(spec, "@every "); i >= 0 {
		// cron rounds @every up to a second silently; say so instead.
		if d, err := time.ParseDuration(strings.TrimSpace(spec[i+len("@every "):])); err == nil && d < time.Second {
			return nil, fmt.Errorf("@every must be at least 1s")
		}
	}
	return s, nil
}

func (v *validator) schedule(path, spec string) {
	if _, err := ParseSchedule(spec, v.loc); err != nil {
		v.ps.add(path, "%v", err)
	}
}

func (v *validator) positive(path string, d Duration) {
	if d <= 0 {
		v.ps.add(path, "must be a positive duration")
	}
}

func (v *validator) nonNegative(path string, d Duration) {
	if d < 0 {
		v.ps.add(path, "must not be negative")
	}
}

// secretPair checks a key that may be given inline or as key_file, loads
// the file, and reports whether a value is present.
func (v *validator) secretPair(path, key string, val *Secret, file string, required bool) bool {
	switch {
	case *val != "" && file != "":
		v.ps.add(path, "set %s or %s_file, not both", key, key)
		return false
	case file != "":
		if !filepath.IsAbs(file) {
			file = filepath.Join(v.dir, file)
		}
		s, err := loadSecretFile(file)
		if err != nil {
			v.ps.add(path+"."+key+"_file", "%v", err)
			return false
		}
		*val = s
		return true
	case *val != "":
		return true
	case required:
		v.ps.add(path, "needs %s or %s_file", key, key)
	}
	return false
}

// ParseClockRange parses a daily window "HH:MM-HH:MM" into minutes after
// midnight; a window may wrap past midnight (22:00-07:00).
func ParseClockRange(s string) (from, to int, err error) {
	a, b, ok := strings.Cut(strings.TrimSpace(s), "-")
	if !ok {
		return 0, 0, fmt.Errorf("%q is not a window like 22:00-07:00", s)
	}
	parse := func(x string) (int, error) {
		t, err := time.Parse("15:04", strings.TrimSpace(x))
		if err != nil {
			return 0, fmt.Errorf("%q is not a window like 22:00-07:00", s)
		}
		return t.Hour()*60 + t.Minute(), nil
	}
	if from, err = parse(a); err != nil {
		return 0, 0, err
	}
	if to, err = parse(b); err != nil {
		return 0, 0, err
	}
	if from == to {
		return 0, 0, fmt.Errorf("%q is empty", s)
	}
	return from, to, nil
}

// checkName validates the name of a feed, rule or receiver: present, made
// of name characters, and not taken by an earlier one (recorded in seen).
func checkName(ps *problems, path, kind, name string, seen map[string]bool) {
	switch {
	case name == "":
		ps.add(path, "is required")
	case !reName.MatchString(name):
		ps.add(path, "%q may hold only letters, digits, '_', '-' and '.'", name)
	case seen[name]:
		ps.add(path, "%s %q is defined twice", kind, name)
	}
	seen[name] = true
}
