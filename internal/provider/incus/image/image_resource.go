package image

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/objectvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
	"github.com/rackform/terraform-provider-rack/internal/incus"
	"github.com/rackform/terraform-provider-rack/internal/provider/fw"
	"github.com/rackform/terraform-provider-rack/internal/provider/incus/incusattr"
	"github.com/rackform/terraform-provider-rack/internal/provider/providerdata"
)

var (
	_ resource.Resource                = (*imageResource)(nil)
	_ resource.ResourceWithConfigure   = (*imageResource)(nil)
	_ resource.ResourceWithImportState = (*imageResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*imageResource)(nil)
)

var objectOpts = basetypes.ObjectAsOptions{}

// imageTimeouts: publishing, uploading and copying are long operations.
var imageTimeouts = fw.TimeoutDefaults{Create: 20 * time.Minute, Read: 2 * time.Minute, Update: 5 * time.Minute, Delete: 10 * time.Minute}

// ImportIDForm is the import ID of an image: [remote:][project/]fingerprint.
var ImportIDForm = incusattr.ImportIDForm{InProject: true, Names: []string{"fingerprint"}}

// imageResource is rack_incus_image.
type imageResource struct {
	data *providerdata.Data
}

func NewResource() resource.Resource { return &imageResource{} }

func (r *imageResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_incus_image"
}

func (r *imageResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerdata.From(req.ProviderData, &resp.Diagnostics)
}

const importedNote = " After `terraform import` the source is not known: state records it as an empty object, and whatever source the configuration names is taken as the one the image came from (the plan stays empty); taint the image to make it again from its source."

func (r *imageResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	sources := path.MatchRoot("source_image")
	resp.Schema = schema.Schema{
		Description: "An Incus image: published from an instance, uploaded from local files (streamed, never read whole into memory) or copied from an image server. " +
			"Exactly one of `source_instance`, `source_file` and `source_image` is set; changing the source replaces the image. Aliases, description, `public` and `auto_update` change in place.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{Computed: true, Description: "`remote:project/fingerprint`, the ID `terraform import` takes."},
			"source_instance": schema.SingleNestedAttribute{
				Optional: true, Computed: true,
				Description: "Publish an instance (which must be stopped, as Incus requires) or one of its snapshots. Changing it replaces the image." + importedNote,
				Validators:  []validator.Object{objectvalidator.ExactlyOneOf(sources, path.MatchRoot("source_file"))},
				Attributes: map[string]schema.Attribute{
					"name": schema.StringAttribute{Required: true, Description: "Instance name (in the image's project).",
						Validators: []validator.String{incusattr.InstanceNameValidator}},
					"snapshot": schema.StringAttribute{Optional: true, Description: "Snapshot of the instance to publish instead of the instance itself.",
						Validators: []validator.String{stringvalidator.LengthAtLeast(1)}},
				},
			},
			"source_file": schema.SingleNestedAttribute{
				Optional: true, Computed: true,
				Description: "Upload a local image: a unified tarball (`data_path` alone), or a split image (`metadata_path` with the root file system in `data_path`). " +
					"The files are streamed to Incus as they are read, whatever their size; Incus hashes them into the fingerprint. A plan of the existing image hashes them (SHA-256, streamed too, in constant memory): a change of their content, not only of their paths, replaces the image." + importedNote,
				Attributes: map[string]schema.Attribute{
					"data_path": schema.StringAttribute{Required: true, Description: "Path of the unified tarball, or of the root file system (squashfs or tarball) of a split image.",
						Validators: []validator.String{stringvalidator.LengthAtLeast(1)}},
					"metadata_path": schema.StringAttribute{Optional: true, Description: "Path of the metadata tarball of a split image.",
						Validators: []validator.String{stringvalidator.LengthAtLeast(1)}},
					"sha256": schema.StringAttribute{Computed: true,
						Description: "SHA-256 of the files (metadata then root file system for a split image): the image's fingerprint, as Incus computes it. Incus computes it as the files upload; each plan of the existing image hashes them again (streamed) to see whether they changed."},
				},
			},
			"source_image": schema.SingleNestedAttribute{
				Optional: true, Computed: true,
				Description: "Copy an image from a public image server remote (an `incus_remote` or an Incus CLI remote marked public, or a simplestreams server). Changing it replaces the image." + importedNote,
				Attributes: map[string]schema.Attribute{
					"remote": schema.StringAttribute{Required: true, Description: "The image server remote.", Validators: []validator.String{fw.BlockNameValidator}},
					"name":   schema.StringAttribute{Required: true, Description: "Alias or fingerprint (prefix) of the image on that remote.", Validators: []validator.String{stringvalidator.LengthAtLeast(1)}},
					"type": schema.StringAttribute{Optional: true, Description: "`container` (the default) or `virtual-machine`.",
						Validators: []validator.String{stringvalidator.OneOf("container", "virtual-machine")}},
					"architecture": schema.StringAttribute{Optional: true, Description: "Architecture to copy (`x86_64`, `aarch64`, ...); the server's own by default."},
					"copy_aliases": schema.BoolAttribute{Optional: true, Description: "Also give the copy the aliases the image has on the image server. Leave `aliases` unset then, or list those aliases in it too: `aliases`, when set, is the whole list."},
				},
			},
			"aliases": schema.SetAttribute{
				ElementType: types.StringType, Optional: true, Computed: true,
				Description: "Aliases of the image in its project, added and removed in place. When set it is the whole list (aliases added outside Terraform show as drift); unset, it reads what the image has. " +
					"An alias another image holds fails the create or update, naming that image.",
				Validators: []validator.Set{setvalidator.ValueStringsAre(stringvalidator.LengthAtLeast(1))},
			},
			"description": schema.StringAttribute{Optional: true, Computed: true,
				Description: "The image's `description` property. Unset, it is what the image brings (its metadata's description, or its instance's `image.description`). Changes in place."},
			"public": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false),
				Description: "Whether untrusted clients may see and download the image. Defaults to `false`. Changes in place."},
			"auto_update": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false),
				Description: "Whether Incus refreshes the image from its image server (copied images only). Defaults to `false`. Changes in place."},
			"project":      incusattr.ProjectAttribute("image"),
			"remote":       incusattr.RemoteAttribute("image"),
			"fingerprint":  schema.StringAttribute{Computed: true, Description: "SHA-256 fingerprint of the image."},
			"size":         schema.Int64Attribute{Computed: true, Description: "Size of the image in bytes."},
			"architecture": schema.StringAttribute{Computed: true, Description: "Architecture, e.g. `x86_64`."},
			"type":         schema.StringAttribute{Computed: true, Description: "`container` or `virtual-machine`."},
			"created_at":   schema.StringAttribute{Computed: true, Description: "Creation time (RFC 3339) as the image's metadata says."},
			"timeouts":     fw.TimeoutsAttribute(ctx, imageTimeouts),
		},
	}
}

func (r *imageResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.data == nil {
		return
	}
	var plan imageModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !incusattr.PlanScope(ctx, r.data.Incus, req, &resp.Diagnostics, &plan.Remote, &plan.Project) {
		return
	}
	var cfg imageModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	creating := req.State.Raw.IsNull()
	// A new upload is not hashed here (incusd computes its fingerprint as
	// it receives it, known after the apply); an existing one is, to see
	// whether the file changed.
	fileHash := r.planFileHash(ctx, &cfg, resp, creating)
	if resp.Diagnostics.HasError() {
		return
	}
	if creating {
		plan.SourceImage, plan.SourceInstance, plan.SourceFile = cfg.SourceImage, cfg.SourceInstance, withHash(cfg.SourceFile, fileHash)
		if cfg.SourceImage.IsNull() {
			plan.SourceImage = types.ObjectNull(sourceImageTypes)
		}
		if cfg.SourceInstance.IsNull() {
			plan.SourceInstance = types.ObjectNull(sourceInstanceTypes)
		}
		if cfg.SourceFile.IsNull() {
			plan.SourceFile = types.ObjectNull(sourceFileTypes)
		}
		if fileHash != "" {
			// Incus's fingerprint of an upload is the SHA-256 of the files.
			plan.Fingerprint = types.StringValue(fileHash)
			if !plan.Remote.IsUnknown() && !plan.Project.IsUnknown() {
				plan.ID = types.StringValue(incus.ImageImportID(plan.scope(), fileHash))
			}
		}
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
		return
	}

	var state imageModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	replace := false
	decide := func(name string, cfgV, stateV types.Object, planned *types.Object, same func() bool) {
		switch {
		case isImportedMarker(stateV):
			// Imported: the source is not known, so any configured one is taken.
			*planned = stateV
		case cfgV.IsNull():
			if !stateV.IsNull() {
				replace = true
				resp.RequiresReplace = append(resp.RequiresReplace, path.Root(name))
			}
			*planned = types.ObjectNull(stateV.AttributeTypes(ctx))
		case stateV.IsNull() || cfgV.IsUnknown() || !same():
			replace = true
			resp.RequiresReplace = append(resp.RequiresReplace, path.Root(name))
		default:
			*planned = stateV
		}
	}
	decide("source_instance", cfg.SourceInstance, state.SourceInstance, &plan.SourceInstance, func() bool {
		return cfg.SourceInstance.Equal(state.SourceInstance)
	})
	decide("source_image", cfg.SourceImage, state.SourceImage, &plan.SourceImage, func() bool {
		return cfg.SourceImage.Equal(state.SourceImage)
	})
	plannedFile := withHash(cfg.SourceFile, fileHash)
	plan.SourceFile = plannedFile
	decide("source_file", cfg.SourceFile, state.SourceFile, &plan.SourceFile, func() bool {
		return plannedFile.Equal(state.SourceFile)
	})
	if replace {
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
		return
	}
	// In place: what the server computed stays.
	plan.ID, plan.Fingerprint, plan.Size = state.ID, state.Fingerprint, state.Size
	plan.Architecture, plan.Type, plan.CreatedAt = state.Architecture, state.Type, state.CreatedAt
	if cfg.Aliases.IsNull() {
		plan.Aliases = state.Aliases
	}
	if cfg.Description.IsNull() {
		plan.Description = state.Description
	}
	if plan.Remote.IsUnknown() {
		plan.Remote = state.Remote
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// planFileHash hashes the configured source_file at plan time (streamed).
// It returns "" when there is no file source or its paths are unknown.
func (r *imageResource) planFileHash(ctx context.Context, cfg *imageModel, resp *resource.ModifyPlanResponse, statOnly bool) string {
	if cfg.SourceFile.IsNull() || cfg.SourceFile.IsUnknown() {
		return ""
	}
	var src sourceFileModel
	resp.Diagnostics.Append(cfg.SourceFile.As(ctx, &src, objectOpts)...)
	if resp.Diagnostics.HasError() || src.DataPath.IsUnknown() || src.MetadataPath.IsUnknown() {
		return ""
	}
	if statOnly {
		for _, p := range []types.String{src.DataPath, src.MetadataPath} {
			if p.IsNull() {
				continue
			}
			if f, err := os.Open(p.ValueString()); err != nil {
				resp.Diagnostics.AddAttributeError(path.Root("source_file"), "Cannot Read Image File", fmt.Sprintf("The image file cannot be read: %s", err))
			} else {
				_ = f.Close()
			}
		}
		return ""
	}
	sum, err := incus.FileSHA256(incus.FileSource{DataPath: src.DataPath.ValueString(), MetadataPath: src.MetadataPath.ValueString()})
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("source_file"), "Cannot Read Image File",
			fmt.Sprintf("The image files could not be read to compute their SHA-256: %s", err))
		return ""
	}
	return sum
}

// withHash is a configured source_file with its sha256 filled in (unknown
// when it could not be computed yet).
func withHash(o types.Object, sum string) types.Object {
	if o.IsNull() || o.IsUnknown() {
		return o
	}
	vals := map[string]attr.Value{}
	for k, v := range o.Attributes() {
		vals[k] = v
	}
	if sum == "" {
		vals["sha256"] = types.StringUnknown()
	} else {
		vals["sha256"] = types.StringValue(sum)
	}
	return types.ObjectValueMust(sourceFileTypes, vals)
}

func describe(m *imageModel) string {
	return fmt.Sprintf("image %s (project %q, remote %q)", m.Fingerprint.ValueString(), m.Project.ValueString(), m.Remote.ValueString())
}

func (r *imageResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan imageModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := fw.Begin(ctx, plan.Timeouts.Create, imageTimeouts.Create, &resp.Diagnostics)
	defer cancel()
	spec := plan.spec(ctx, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	scope := incusattr.ResolvedScope(r.data.Incus, plan.scope())
	img, err := r.data.Incus.CreateImage(ctx, scope, spec)
	if img != nil {
		// The image exists even when a later step failed: keep it in state
		// (tainted) so that it is never orphaned.
		aliases := plan.Aliases
		plan.apply(img, scope)
		plan.SourceFile = withHash(plan.SourceFile, img.Fingerprint)
		if err != nil && !aliases.IsUnknown() {
			plan.Aliases = stringSet(img.Aliases)
		}
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	}
	if err != nil {
		detail := fw.ErrorDetail(err)
		if img != nil {
			detail = fmt.Sprintf("%s was made, but setting it up did not finish: it is saved in state as tainted, and the next apply replaces it.\n\n%s", fw.Capitalize(describe(&plan)), detail)
		}
		resp.Diagnostics.AddError("Unable to Create Incus Image", detail)
		return
	}
	fw.WarnIfInterrupted(ctx, &resp.Diagnostics, describe(&plan)+" was created")
}

func (r *imageResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state imageModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := fw.Begin(ctx, state.Timeouts.Read, imageTimeouts.Read, &resp.Diagnostics)
	defer cancel()
	scope := incusattr.ResolvedScope(r.data.Incus, state.scope())
	img, err := r.data.Incus.GetImage(ctx, scope, state.Fingerprint.ValueString())
	if incus.IsNotFound(err) {
		resp.Diagnostics.AddWarning("Incus Image Removed From State",
			fmt.Sprintf("Image %s (project %q, remote %q) no longer exists; it was removed from state and will be made again on the next apply.",
				state.Fingerprint.ValueString(), scope.Project, scope.Remote))
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		fw.AddError(&resp.Diagnostics, "Unable to Read Incus Image", err)
		return
	}
	state.apply(img, scope)
	for _, o := range []*types.Object{&state.SourceImage, &state.SourceInstance, &state.SourceFile} {
		if o.IsUnknown() {
			*o = types.ObjectNull(o.AttributeTypes(ctx))
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *imageResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state imageModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := fw.Begin(ctx, plan.Timeouts.Update, imageTimeouts.Update, &resp.Diagnostics)
	defer cancel()
	scope := incusattr.ResolvedScope(r.data.Incus, state.scope())
	fp := state.Fingerprint.ValueString()
	client := r.data.Incus

	// Record what the server has in the end, even after a failed step.
	defer func() {
		readCtx, cancel := clienterr.Detach(ctx)
		defer cancel()
		var img *incus.Image
		err := incus.ReadAfterChange(readCtx, func(ctx context.Context) error {
			var err error
			img, err = client.GetImage(ctx, scope, fp)
			return err
		})
		if err != nil {
			if !resp.Diagnostics.HasError() {
				fw.AddError(&resp.Diagnostics, "Unable to Read Incus Image", err)
			}
			return
		}
		plan.apply(img, scope)
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		fw.WarnIfInterrupted(ctx, &resp.Diagnostics, describe(&plan)+" was updated")
	}()

	if !plan.Description.Equal(state.Description) || !plan.Public.Equal(state.Public) || !plan.AutoUpdate.Equal(state.AutoUpdate) {
		desc := plan.Description.ValueStringPointer()
		if plan.Description.IsUnknown() {
			desc = nil
		}
		if err := client.UpdateImage(ctx, scope, fp, desc, plan.Public.ValueBool(), plan.AutoUpdate.ValueBool()); err != nil {
			fw.AddError(&resp.Diagnostics, "Unable to Update Incus Image", err)
			return
		}
	}
	if !plan.Aliases.IsUnknown() && !plan.Aliases.Equal(state.Aliases) {
		have := setStrings(ctx, state.Aliases, &resp.Diagnostics)
		want := setStrings(ctx, plan.Aliases, &resp.Diagnostics)
		if err := client.SetImageAliases(ctx, scope, fp, have, want); err != nil {
			fw.AddAttributeError(&resp.Diagnostics, path.Root("aliases"), "Unable to Set Incus Image Aliases", err)
			return
		}
	}
}

func (r *imageResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state imageModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := fw.Begin(ctx, state.Timeouts.Delete, imageTimeouts.Delete, &resp.Diagnostics)
	defer cancel()
	if err := r.data.Incus.DeleteImage(ctx, state.scope(), state.Fingerprint.ValueString()); err != nil {
		fw.AddError(&resp.Diagnostics, "Unable to Delete Incus Image", err)
	}
}

// ImportState takes [remote:][project/]fingerprint. A fingerprint prefix
// that names one image is accepted and expanded to the full fingerprint; one
// that names several is refused (the error says to give more digits).
func (r *imageResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	remote, project, names, err := ImportIDForm.Parse(req.ID)
	if err != nil {
		resp.Diagnostics.AddError("Invalid Import ID",
			fmt.Sprintf("%q is not an image import ID: %s. Use %s, for example local:default/c55bd9f30b78.", req.ID, err, ImportIDForm))
		return
	}
	fp := strings.ToLower(names[0])
	scope := incus.Scope{Remote: remote, Project: project}
	if r.data != nil {
		resolved, err := r.data.Incus.Resolve(scope)
		if err != nil {
			fw.AddError(&resp.Diagnostics, "Unknown Incus Remote in Import ID", err)
			return
		}
		scope = resolved
		img, err := r.data.Incus.GetImage(ctx, scope, fp)
		if err != nil {
			fw.AddError(&resp.Diagnostics, "Cannot Import Incus Image", err)
			return
		}
		fp = img.Fingerprint
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("fingerprint"), fp)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("remote"), scope.Remote)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("project"), scope.Project)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("source_image"), importedSource(sourceImageTypes))...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("source_instance"), importedSource(sourceInstanceTypes))...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("source_file"), importedSource(sourceFileTypes))...)
}
