package incus

import (
	"context"

	"github.com/lxc/incus/v6/shared/api"
)

// ProfilePut is what can change on a profile.
type ProfilePut struct {
	Description string
	Config      map[string]string
	Devices     map[string]map[string]string
}

// Profile is an Incus profile.
type Profile struct {
	Name string
	ProfilePut
	Project string
	UsedBy  []string // incusd's used_by URLs: the instances (and other profiles' projects) using it
	ETag    string
}

// ProfileSpec is what CreateProfile sends.
type ProfileSpec struct {
	Name string
	ProfilePut
}

// GetProfile reads a profile with its ETag in one request.
func (c *Client) GetProfile(ctx context.Context, s Scope, name string) (*Profile, error) {
	srv, s, address, err := c.at(s)
	if err != nil {
		return nil, err
	}
	p, etag, err := get(ctx, profileObject(s, name), address, func() (*api.Profile, string, error) {
		return srv.GetProfile(name)
	})
	if err != nil {
		return nil, blameObject(err, s, "", "")
	}
	out := &Profile{
		Name: p.Name,
		ProfilePut: ProfilePut{
			Description: p.Description,
			Config:      copyConfig(p.Config),
			Devices:     copyDevices(p.Devices),
		},
		Project: p.Project,
		UsedBy:  sortedCopy(p.UsedBy),
		ETag:    etag,
	}
	if out.Project == "" {
		out.Project = s.Project
	}
	return out, nil
}

// CreateProfile creates a profile (one request). A taken name is a Conflict
// naming the import ID of the profile that has it.
func (c *Client) CreateProfile(ctx context.Context, s Scope, spec ProfileSpec) error {
	srv, s, address, err := c.at(s)
	if err != nil {
		return err
	}
	req := api.ProfilesPost{Name: spec.Name, ProfilePut: profilePut(spec.ProfilePut)}
	err = mutate(ctx, "the create request", profileObject(s, spec.Name), address, func() error {
		return srv.CreateProfile(req)
	})
	return taken(blameObject(err, s, "", ""), ImportID(s, spec.Name))
}

// UpdateProfile replaces what can change on a profile, guarded by etag when
// it is not empty: a profile changed since it was read is a Conflict.
func (c *Client) UpdateProfile(ctx context.Context, s Scope, name string, put ProfilePut, etag string) error {
	srv, s, address, err := c.at(s)
	if err != nil {
		return err
	}
	err = mutate(ctx, "the update request", profileObject(s, name), address, func() error {
		return srv.UpdateProfile(name, profilePut(put), etag)
	})
	return blameObject(err, s, "", "")
}

// ResetProfile empties a profile's description, config and devices: what
// destroying the default profile, which Incus keeps, does.
func (c *Client) ResetProfile(ctx context.Context, s Scope, name, etag string) error {
	return c.UpdateProfile(ctx, s, name, ProfilePut{}, etag)
}

// RenameProfile renames a profile in place (instances using it follow).
func (c *Client) RenameProfile(ctx context.Context, s Scope, from, to string) error {
	srv, s, address, err := c.at(s)
	if err != nil {
		return err
	}
	err = mutate(ctx, "the rename request", profileObject(s, from), address, func() error {
		return srv.RenameProfile(from, api.ProfilePost{Name: to})
	})
	return taken(blameObject(err, s, "", ""), ImportID(s, to))
}

// DeleteProfile deletes a profile. A profile still used by instances is a
// Conflict listing them (UsedBy); a missing one is NotFound. Incus refuses
// to delete the default profile (Permission): reset it instead.
func (c *Client) DeleteProfile(ctx context.Context, s Scope, name string) error {
	srv, s, address, err := c.at(s)
	if err != nil {
		return err
	}
	err = mutate(ctx, "the delete request", profileObject(s, name), address, func() error {
		return srv.DeleteProfile(name)
	})
	return refusedInUse(ctx, blameObject(err, s, "", ""), func(ctx context.Context) ([]string, error) {
		p, err := c.GetProfile(ctx, s, name)
		if err != nil {
			return nil, err
		}
		return p.UsedBy, nil
	})
}

func profilePut(p ProfilePut) api.ProfilePut {
	out := api.ProfilePut{Description: p.Description, Config: p.Config, Devices: p.Devices}
	if out.Config == nil {
		out.Config = map[string]string{}
	}
	if out.Devices == nil {
		out.Devices = map[string]map[string]string{}
	}
	return out
}
