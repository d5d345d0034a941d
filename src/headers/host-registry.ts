/**
 * Dialects known by host (header-dialects.md §7.1), for the value shapes headers alone cannot
 * settle: Prisjakt's `X-Rate-Limit-Reset` is a delta in ms, Heroku's lone `RateLimit-Remaining` is
 * a refilling pool, Discord's and GitHub's families are named for their bucket and resource.
 */

/** A vendor whose headers the parser reads with vendor-specific rules. */
export type HostDialect = 'github' | 'gitlab' | 'discord' | 'openai' | 'reddit' | 'heroku' | 'prisjakt' | 'twitter';

interface HostRule {
  readonly dialect: HostDialect;
  readonly matches: (host: string) => boolean;
}

const exactly =
  (...hosts: string[]) =>
  (host: string): boolean =>
    hosts.includes(host);

const domain =
  (...domains: string[]) =>
  (host: string): boolean =>
    domains.some((name) => host === name || host.endsWith(`.${name}`));

const RULES: readonly HostRule[] = [
  { dialect: 'github', matches: (host) => host === 'api.github.com' || /^api\.[a-z0-9-]+\.ghe\.com$/.test(host) },
  { dialect: 'gitlab', matches: (host) => domain('gitlab.com')(host) || host.startsWith('gitlab.') },
  { dialect: 'discord', matches: domain('discord.com', 'discordapp.com') },
  { dialect: 'openai', matches: (host) => exactly('api.openai.com', 'api.groq.com')(host) || host.endsWith('.openai.azure.com') },
  { dialect: 'reddit', matches: domain('reddit.com') },
  { dialect: 'heroku', matches: exactly('api.heroku.com') },
  { dialect: 'prisjakt', matches: domain('prisjakt.nu', 'pricespy.co.uk', 'pricespy.co.nz') },
  { dialect: 'twitter', matches: exactly('api.twitter.com', 'api.x.com') },
];

/** The dialect registered for a request URL's host, if any. Never throws on a malformed URL. */
export function dialectForUrl(url: string | URL | undefined): HostDialect | undefined {
  if (url === undefined) return undefined;
  let host: string;
  try {
    host = (typeof url === 'string' ? new URL(url) : url).hostname.toLowerCase();
  } catch {
    return undefined;
  }
  return RULES.find((rule) => rule.matches(host))?.dialect;
}
