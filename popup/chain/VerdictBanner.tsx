import { ExternalLink } from "../ui/ExternalLink";
import type { BannerContent } from "./banner";

/** Blocked and warning verdicts interrupt a screen reader (role=alert); the rest are polite. */
export function VerdictBanner({ banner }: { banner: BannerContent | null }) {
  if (!banner) {
    return (
      <div class="banner tone-none skeleton" role="status" aria-busy="true">
        <p class="banner-headline">Checking this tab…</p>
      </div>
    );
  }
  const urgent = banner.tone === "blocked" || banner.tone === "warning";
  return (
    <div class={`banner tone-${banner.tone}`} role={urgent ? "alert" : "status"}>
      <p class="banner-headline">{banner.headline}</p>
      {banner.detail && <p class="banner-detail">{banner.detail}</p>}
      {banner.reference && (
        <p class="banner-reference">
          <ExternalLink href={banner.reference}>Reference</ExternalLink>
        </p>
      )}
    </div>
  );
}
