package kvmd

import (
	"context"
	"fmt"
	"time"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
)

// OffMethod says how to power a host off.
type OffMethod string

// The ways to turn a host off.
const (
	OffSoft         OffMethod = "soft"           // press power; the OS shuts down
	OffHard         OffMethod = "hard"           // long press: cut power
	OffSoftThenHard OffMethod = "soft_then_hard" // soft, then hard after the soft timeout
)

// ledPoll is how often the power LED is read while converging. kvmd never
// waits for the host (it has no such API), so the LED is polled.
const ledPoll = 200 * time.Millisecond

// SetPower converges the host's power to on or off and returns the last ATX
// state seen. It presses only when the LED differs, then polls the LED until
// it matches or ctx ends. A soft off that the host ignores is turned into a
// hard off after softTimeout with OffSoftThenHard.
func (c *Client) SetPower(ctx context.Context, on bool, method OffMethod, softTimeout time.Duration) (*ATX, error) {
	atx, err := c.ATX(ctx)
	if err != nil {
		return nil, err
	}
	if !atx.Enabled {
		return atx, &clienterr.ValidationError{Info: clienterr.Info{Object: c.object("ATX"), Class: "AtxDisabledError",
			Message: "ATX is disabled on this PiKVM (no ATX board, or kvmd's atx type is disabled): power cannot be controlled"}}
	}
	if atx.LEDs.Power == on {
		return atx, nil
	}
	// A press the device accepted is followed to its end (the LED) even
	// after an interrupt, within the timeout; a new press is not made.
	wait, cancel := clienterr.Detach(ctx)
	defer cancel()
	if on {
		if err := c.Power(ctx, "on"); err != nil {
			return atx, err
		}
		return c.WaitPowerLED(wait, true)
	}
	switch method {
	case OffHard:
		if err := c.Power(ctx, "off_hard"); err != nil {
			return atx, err
		}
		return c.WaitPowerLED(wait, false)
	case OffSoft:
		if err := c.Power(ctx, "off"); err != nil {
			return atx, err
		}
		return c.WaitPowerLED(wait, false)
	}
	if err := c.Power(ctx, "off"); err != nil {
		return atx, err
	}
	softCtx, softCancel := clienterr.WithTimeout(wait, softTimeout)
	atx, err = c.WaitPowerLED(softCtx, false)
	softCancel()
	if err == nil || wait.Err() != nil {
		return atx, err
	}
	c.logger.Debug("soft off timed out; forcing off", "device", c.dev.Name, "soft_timeout", softTimeout)
	if err := c.Power(ctx, "off_hard"); err != nil {
		return atx, err
	}
	return c.WaitPowerLED(wait, false)
}

// WaitPowerLED polls the power LED until it is on (or off), within ctx.
func (c *Client) WaitPowerLED(ctx context.Context, on bool) (*ATX, error) {
	want := map[bool]string{true: "on", false: "off"}
	for {
		atx, err := c.ATX(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil, c.ledTimeout(ctx, want[on], "unknown")
			}
			return nil, err
		}
		if atx.LEDs.Power == on {
			return atx, nil
		}
		select {
		case <-ctx.Done():
			return atx, c.ledTimeout(ctx, want[on], "power LED "+want[!on])
		case <-time.After(ledPoll):
		}
	}
}

func (c *Client) ledTimeout(ctx context.Context, want, last string) error {
	return &clienterr.TimeoutError{
		Info:       clienterr.Info{Object: c.object("ATX"), Err: ctx.Err()},
		WaitingFor: fmt.Sprintf("the power LED of PiKVM %q to turn %s", c.dev.Name, want),
		Timeout:    clienterr.TimeoutOf(ctx),
		LastState:  last,
	}
}
