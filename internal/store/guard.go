package store

import (
	"errors"
	"fmt"
	"os"
	"runtime/debug"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// ErrDamaged is wrapped by the errors of a state database whose file is
// damaged: truncated, overwritten in places, or inconsistent. bbolt panics
// on many such files ("invalid freelist page", "Page expected to be"); the
// store turns those panics into this error, so the daemon exits with one
// line instead of a stack trace, and `monitord store recover` salvages
// what is readable.
var ErrDamaged = errors.New("state database is damaged")

// guard runs fn, which reads a file that may be damaged, and returns the
// panic it raised as an error. A read past the end of a truncated file is
// a memory fault of the mapping, not a panic: SetPanicOnFault makes it one
// for the duration of fn (the setting is per goroutine, so fn must not
// read the file from another goroutine).
func guard(fn func()) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		r := recover()
		if _, fault := r.(interface{ Addr() uintptr }); fault {
			err = errors.New("a page cannot be read (past the end of the file, or a reference to nowhere)")
		} else if r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	fn()
	return nil
}

// openBolt opens the bbolt file at path, turning what a damaged file makes
// bbolt do (panic while it reads the meta pages or loads the freelist, or
// fail to validate both meta pages) into an error wrapping ErrDamaged.
// After a panic bbolt's mapping of the file is left behind, and with it
// the file's lock, since a mapping holds the open file: Open therefore
// opens read-only first (a shared lock, which CheckFile and Recover can
// still share) and opens for writing only a file it has checked.
func openBolt(path string, o bolt.Options) (*bolt.DB, error) {
	var (
		db  *bolt.DB
		err error
	)
	if perr := guard(func() { db, err = bolt.Open(path, 0o600, &o) }); perr != nil {
		return nil, fmt.Errorf("%w: %v", ErrDamaged, perr)
	}
	switch {
	case errors.Is(err, bolterrors.ErrTimeout):
		return nil, fmt.Errorf("%w (is another monitord running with the same --storage.path?)", ErrLocked)
	case errors.Is(err, bolterrors.ErrInvalid), errors.Is(err, bolterrors.ErrVersionMismatch),
		errors.Is(err, bolterrors.ErrChecksum), errors.Is(err, bolterrors.ErrInvalidMapping):
		return nil, fmt.Errorf("%w: %v", ErrDamaged, err)
	}
	return db, err
}

// verify reads every page the file's tree reaches, in this goroutine and
// guarded, then runs bbolt's consistency check (free pages, unreachable
// pages, key order), and returns the first problem found, or nil. The
// guarded walk comes first because bbolt's check runs in a goroutine of
// its own, where a fault on a damaged page could not be recovered: once
// the walk has read every reachable page, the check reads none it has
// not. It reads the whole file (about 0.1 s for 100 MB), once at Open.
func verify(db *bolt.DB) error {
	var problems []string
	err := db.View(func(tx *bolt.Tx) error {
		if p := sizeProblem(tx); p != "" {
			problems = append(problems, p)
			return nil
		}
		w := &walker{tx: tx}
		w.all(nil)
		problems = append(problems, w.problems...)
		if len(problems) > 0 {
			return nil
		}
		for err := range tx.Check() {
			problems = append(problems, err.Error())
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrDamaged, problems[0])
	}
	return nil
}

// sizeProblem says whether the file is shorter than the pages its meta
// page counts: a truncated file, whose missing pages would fault when
// read.
func sizeProblem(tx *bolt.Tx) string {
	fi, err := os.Stat(tx.DB().Path())
	if err != nil {
		return err.Error()
	}
	if want := tx.Size(); fi.Size() < want {
		return fmt.Sprintf("the file is truncated: %d bytes, its pages need %d", fi.Size(), want)
	}
	return ""
}
