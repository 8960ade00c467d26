"""Boilerplate: the blocks of a story that are the site, not the story.

Every rule here is a general pattern (how affiliate notes, newsletter boxes, author bios
and "More from" lists are phrased on any site), never a string from one site. The rules
are deliberately conservative: dropping a real paragraph loses part of the story, while a
missed "Share this article" line costs the reader a glance.
"""

from __future__ import annotations

import html
import re
from itertools import islice

import lxml.html
from lxml import etree

from .blocks import Block
from .text import (
    _ALPHA_WORD,
    _HARD_TERMINAL,
    _HEADING_MAX_WORDS,
    _REPORTED,
    _SPOKEN,
    _TERMINAL,
    _collapse,
    _keys,
    _norm,
    _words,
)

__all__ = ["remove_boilerplate"]


# Affiliate disclosures: the site, in the first person, earning from the reader's clicks.
_AFFILIATE = re.compile(
    r"""
    \b(?:we|i|us|our\ site|this\ site|the\ site)\b[^.!?]{0,40}?
        \b(?:earn|earns|receive|receives|get|gets|make|makes|collect|collects)\b[^.!?]{0,40}?
        \b(?:commissions?|compensation|affiliate|a\ share\ of|a\ cut\ of|a\ (?:small\ )?fee)
    | \b(?:may|might|could|will|can)\ earn\ (?:us|me)\b
    | \b(?:this|these|our|some)\b(?:\s+[\w-]+){0,5}?
        \s+(?:contains?|includes?|uses?|features?|are|is|may\ (?:contain|include|be))
        \s+(?:\w+\s+)?affiliate\ links?\b
    | \b(?:affiliate|advertising|ftc)\ (?:disclosure|disclaimer)\b
    | \bas\ an\ amazon\ associate\b
    | \breader[-\ ]supported\b
    | \bsupported\ by\ (?:its|our)\ (?:audience|readers)\b
    | \bsupported\ by\ (?:commissions|affiliate|referral\ fees)\b
    | \bwhen\ you\ (?:buy|purchase|shop|click|subscribe|sign\ up)\b[^.!?]{0,50}?
        \b(?:(?:our|retail|retailer|affiliate)\ links?|links?\ (?:on|in)\ (?:our|this))
    | \bat\ no\ (?:extra|additional)\ cost\ to\ you\b
    | \b(?:we|i)\ (?:may|might|could)\ (?:be\ )?(?:compensated|paid)\b
    """,
    re.I | re.X,
)

# Newsletter boxes: an imperative at the start of a sentence, plus what is on offer.
_NEWSLETTER_CTA = re.compile(
    r"""
    (?:^|[.!?]\s+)
    # "For daily tips, sign up…": a short lead-in before the imperative.
    (?:(?:for|to|if|like|love|enjoy(?:ed)?|want)\b[^.!?,]{0,40},\s+)?
    (?:
        (?:subscribe|sign[\ -]?up|join|register|opt[\ -]in)\b[^.!?]{0,120}?
            \b(?:newsletters?|inbox|e-?mails?|mailing\ list|subscribers|updates|digest
                |briefings?|alerts|news|deals|offers|stories|readers)\b
      | (?:get|receive|want|stay|never\ miss|don['’]t\ miss|enjoy|love)\b[^.!?]{0,120}?
            \b(?:newsletters?|in\ your\ inbox|to\ your\ inbox|mailing\ list)\b
    )
    """,
    re.I | re.X,
)
_NEWSLETTER_PITCH = re.compile(
    r"""
    \b(?:delivered|straight|directly|right|sent)\ (?:to|into)\ your\ inbox\b
    | \bin\ your\ inbox\ (?:every|each)\b
    | \bunsubscribe\ (?:at\ )?any\ ?time\b
    | \bby\ (?:submitting|signing\ up|subscribing|clicking|entering)\b[^.]{0,120}?
        \b(?:agree|consent|privacy|terms)\b
    | \bthanks?\ (?:you\ )?for\ (?:signing\ up|subscribing)\b
    | \b(?:news|offers|emails?)\ (?:and\ offers\ )?from\ (?:other|our)\ (?:\w+\ )?
        (?:brands|partners)\b
    | \bon\ behalf\ of\ our\ (?:trusted\ )?(?:partners|sponsors)\b
    | \bconsider\ [^.!?]{0,40}\b(?:subscribing|signing\ up)\b
    | \breceive\ (?:e-?mail\ )?notifications\ (?:about|of|for)\ new\ (?:posts|articles|stories)\b
    | \b(?:funded|supported|made\ possible)\ by\ (?:readers|members|listeners|viewers)\ like\ you\b
    | \bjoin\ (?:over\ |more\ than\ |the\ )?[\d,.]+\s*[km+]*\s*(?:other\ |fellow\ )?
        (?:subscribers|readers|professionals|people|members)\b
    """,
    re.I | re.X,
)
# Offers, which only marketing makes: "$300 in free credits", "55% off", "use code
# GET5K", "terms apply".
_OFFER = re.compile(
    r"""
    \b(?:save|get|take|enjoy|unlock)\ (?:up\ to\ |an\ extra\ )?\d{1,3}\s?%\ off\b
    | \b\d{1,3}\s?%\ off\ (?:your|all|select|sitewide|everything|orders?)\b
    | [$€£]\s?\d[\d,.]*\s?k?\ (?:in\ )?(?:free\ |ad\ )?credits?\b
    | \b(?:use|enter|apply)\ (?:the\ )?(?:promo\ |discount\ |coupon\ )?code\b
    | \b(?:terms|conditions|restrictions|exclusions)\ apply\b
    | \bfree\ (?:shipping|delivery|returns)\ on\b
    | \b(?:claim|unlock|redeem)\ (?:your|up\ to)\b
    | \bcomplimentary\ (?:\w+\ )?(?:quote|consultation|assessment)\b
    """,
    re.X,
)
# A sales call to action: the site asking the reader to get in touch or buy.
_SALES_CTA = re.compile(
    r"""
    # Imperatives open their sentence: "Get a quote", not "easy to get a quote online".
    (?:^|[.!?:]\s+)(?:request|get|receive)\ (?:a|your)\ (?:free\ )?
        (?:quote|demo|estimate|consultation)\b
    | (?:^|[.!?:]\s+)(?:book|schedule)\ (?:a|your)\ (?:free\ )?(?:demo|call|consultation
        |meeting)\b
    | \btalk\ to\ (?:our|one\ of\ our|an?)\ (?:[\w-]+\ ){0,4}?
        (?:experts?|specialists?|team|advisors?|advisers?|consultants?)\b
    | \b(?:do\ not|don['’]t)\ hesitate\ to\ (?:contact|reach|call|get\ in\ touch)\b
    | \breach\ out\ to\ (?:us|our\ team)\b | \bcontact\ (?:us|our\ team)\ (?:today|now)\b
    | \bfill\ (?:out|in)\ the\ (?:form|short\ form)\b
    | \bsponsorship\ (?:opportunities|packages)\b | \b(?:advertise|partner)\ with\ us\b
    | \b(?:order|get|grab|download)\ your\ (?:free\ )?copy\b
    | \bleave\ (?:us\ )?a\ (?:star\ )?rating\b
    | \brate\ this\ (?:week['’]s\ )?(?:recipe|article|post|story|issue|newsletter|episode)\b
    | \bfollow\ us\ on\b
    | \bjoin\ (?:the|our|my)\ (?:\w+\ )?(?:facebook|discord|slack|telegram|whatsapp|reddit
        |linkedin)\ (?:group|community|server|channel)\b
    """,
    re.X,
)
# Each alternative of _OFFER and _SALES_CTA contains one of these.
_PROMO_KEYS = _keys(
    "% off", "credit", "code", " apply", "free shipping", "free delivery", "free returns",
    "claim your", "claim up", "unlock your", "unlock up", "redeem your", "redeem up",
    "complimentary", "request a", "request your", "get a ", "get your", "receive a",
    "receive your", "book a", "book your", "schedule a", "schedule your", "talk to",
    "hesitate", "reach out to", "contact us", "contact our", "fill out", "fill in",
    "sponsorship", "advertise with", "partner with", "your copy", "your free copy", "rating",
    "rate this", "follow us", "join the", "join our", "join my",
)  # fmt: skip
# The verbs a call to action opens with ("Start building…", "Book a demo").
_CTA_OPENING = re.compile(
    # After a short lead-in label ("New readers: enter code …") too.
    r"^(?:[^.!?:]{1,30}:\s+)?\W*(?:start|begin|get|try|join|sign|subscribe|download|claim"
    r"|unlock|discover|explore|learn|book|request|contact|call|order|shop|buy|save|grab"
    r"|register|apply|build|create|meet|invest|talk|stop|submit|enroll|upgrade|schedule"
    r"|enter|use|redeem)\b"
)
# A short imperative that ends on urgency: "Get the cash you need today".
_ENDS_NOW = re.compile(r"\b(?:today|now|right\ away)\s*[!.]?$", re.X)
_CTA_NOW_MAX_WORDS = 15
# Buttons of a sales or newsletter box; the line just above one is the box's pitch.
_CTA_BUTTON = re.compile(
    r"""
    subscribe(?:\ (?:now|today|for\ free))? | sign\ (?:me\ )?up(?:\ (?:now|today|for\ free))?
    | (?:book|schedule|request)\ (?:a|your)\ (?:free\ )?(?:demo|call|consultation|quote)
    | get\ (?:started|a\ quote|matched|in\ touch)(?:\ (?:today|now))? | apply\ now
    | register(?:\ (?:now|today))? | start\ (?:your\ |a\ )?(?:free\ )?trial
    | try\ (?:it\ )?(?:for\ )?free | contact\ us(?:\ today)? | join\ (?:now|today)
    """,
    re.I | re.X,
)
_PITCH_MAX_WORDS = 25
# A dated byline alone on a line ("11/12/2025 by Jane Doe"): a teaser's or the page's
# metadata, never a sentence of the story.
_DATED_BYLINE = re.compile(
    r"^(?:\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}-\d{2}-\d{2}|[A-Z][a-z]{2,8}\.?\ \d{1,2},?\ \d{4}"
    r"|\d{1,2}\ [A-Z][a-z]{2,8}\.?\ \d{4})\s*(?:[|·•–—-]\s*)?by\s+\S.{0,60}$",
    re.X,
)
# Whoever a call to action addresses: the reader, or the site as "we".
_ADDRESS = re.compile(r"\b(?:you|your|you'(?:ll|re|ve)|we|our|us|we'(?:ll|re|ve)|please)\b")
# The newsletter's own furniture: how to leave it, and how to rate an issue.
_NEWSLETTER_FURNITURE = re.compile(
    r"""
    \b(?:to|here['’]?s\ (?:the|how\ to)|get\ to\ the)\ unsubscribe\b
    | \bunsubscribe\ (?:here|below)\b | \bthe\ unsubscribe\ (?:link|button)\ (?:below|here)\b
    | ^how\ (?:was|did\ you\ (?:like|find))\ (?:this|today['’]s)\ (?:issue|newsletter|edition
        |email|episode)\b
    """,
    re.I | re.X,
)
_NEWSLETTER_FURNITURE_KEYS = _keys("unsubscribe", "how ")
# A heading marked as paid for ("… (Sponsored)", "Sponsored: …"): a sponsor's section.
_SPONSORED_HEADING = re.compile(
    r"[(\[](?:sponsored|sponsor|ad|advertisement|partner\ content|paid\ post|promoted)[)\]]\s*$"
    r"|^(?:sponsored|advertisement|partner\ content|paid\ post|promoted)\s*(?:by\b|[:|–—-])",
    re.I | re.X,
)
# Blocks a sponsor's section spans at most before the story must be back.
_SPONSORED_MAX_BLOCKS = 6

# After a newsletter prompt, the short blurb under it: the site addressing "you".
_SECOND_PERSON = re.compile(r"\b(?:you|your|you['’]ll|you['’]re)\b", re.I)
_PROMO_WORDS = re.compile(
    r"\b(?:news|stories|updates|deals|offers|tips|insights|analysis|features|guidance"
    r"|coverage|briefing|inbox|e-?mail|weekly|daily|free|exclusive)\b",
    re.I,
)

# Whole blocks that are a site's furniture: share bars, labels, ad markers, credits.
_LABEL = re.compile(
    r"""
    (?:
        share(?:\ (?:this|the)\ (?:article|story|post|page))?(?:\ (?:on|via)\ [\w ()]{1,30})?
      | (?:tweet|pin|print|email|e-mail|copy\ link|copy\ url|link\ copied|save|bookmark)
            (?:\ (?:this|article|story))?
      | (?:facebook|twitter|x|linkedin|reddit|whatsapp|pinterest|flipboard|telegram
            |bluesky|threads|mastodon|email|e-mail|copy\ link|share|tweet)
        (?:\ (?:facebook|twitter|x|linkedin|reddit|whatsapp|pinterest|flipboard|telegram
            |bluesky|threads|mastodon|email|e-mail|copy\ link|share|tweet))+
      | advertisement | advertising | ad | ads | sponsored(?:\ (?:content|post|story|by\ .{1,40}))?
      | (?:advertisement|sponsored|promoted|partner\ content)\s*[:|–—-]\s*.{1,60}
      | (?:advertiser|advertising|affiliate)\ (?:disclosure|policy)
      | (?:paid|partner|promoted)\ (?:content|post|partnership)
      | (?:in\ partnership\ with|presented\ by|brought\ to\ you\ by|proudly\ supporting)
            (?:\ [\w .'’&-]{1,40})?
      | why\ (?:you\ (?:can|should)\ )?trust\ (?:us|me|our\ \w+(?:\ \w+)?)
      # A contact box's lines.
      | contact\ (?:info|information|details|us)
      | (?:e-?mail|phone(?:\ number)?|tel|telephone|fax|call\ us|whatsapp)\s*:\s*[\w@.+()/\ -]{3,60}
      | (?:story|article|content)\ continues\ (?:below|after)(?:\ (?:the\ )?(?:advertisement|ad))?
      | (?:scroll|continue\ reading)\ (?:down\ )?(?:to\ continue|below)(?:\ with\ content)?
      | continue\ reading(?:\ (?:below|the\ (?:main\ )?story|after\ (?:the\ )?ad))?
      | read\ (?:more|next|full\ story|the\ full\ (?:story|article))
      | see\ more | show\ more | load\ more | view\ more | more\ stories
      | (?:\d+\ )?comments? | leave\ a\ (?:comment|reply) | view\ comments
      | join\ the\ (?:conversation|discussion) | add\ a\ comment
      | (?:sign|log)\ in(?:\ to\ comment)? | skip\ to\ (?:main\ )?content | back\ to\ top
      | newsletters? | (?:our|free|daily|weekly)\ newsletters?
      | (?:never|don['’]t)\ miss\ (?:a|an|another|out\ on\ (?:a|the|our))?\ ?
            (?:story|thing|update|post|article|deal|beat|headline)s?
      | subscribe(?:\ now|\ today|\ for\ free)? | sign\ (?:me\ )?up(?:\ now|\ today|\ for\ free)?
      | (?:your\ )?e-?mail(?:\ address)?\*? | enter\ your\ e-?mail(?:\ address)?(?:\ here)?
      | learn\ more | find\ out\ more
      # Calls to action that are one button.
      | start\ (?:your\ |a\ )?(?:free\ |\d+[-\ ]day\ )?(?:free\ )?trial | book\ a\ (?:demo|call)
      | request\ a\ (?:quote|demo) | apply\ now | get\ started(?:\ (?:today|now|for\ free))?
      | contact\ us(?:\ today)? | register(?:\ now|\ today)? | subscribe\ to\ us
      | follow\ us | pin\ (?:this|it)(?:\ for\ later)? | pin\ for\ later
      | (?:see|view|check|compare)\ (?:the\ )?(?:latest\ )?(?:price|prices|deal|deals|plans)
            (?:\ (?:at|on)\ [\w .'’&-]{1,30})?
      | (?:view|buy|shop)\ (?:it\ )?(?:now\ )?(?:at|on)\ [\w .'’&-]{1,30}
      | already\ have\ an\ account\??(?:\ (?:log|sign)\ in)?
      # Page chrome.
      | table\ of\ contents | in\ this\ article | (?:article\ )?tags | \d+\ min(?:ute)?s?\ read
      | back\ to\ (?:blog|top|home|all\ (?:posts|articles|stories|news))
      | (?:next|previous|prev)\ (?:article|post|story|topic)
      | privacy\ policy | terms\ (?:of\ (?:use|service)|and\ conditions|&\ conditions)
      | cookie\ (?:policy|settings|preferences)
      | (?:©|\(c\)|copyright\ ©?\s*\d{4}).{0,100} | .{0,100}\ball\ rights\ reserved
      | (?:written|reviewed|edited|fact[-\ ]checked|medically\ reviewed)\ by\ [^\d]{1,60}
      | this\ (?:article|story|content)\ is\ (?:exclusive|only\ available)\ (?:to|for)\ .{0,40}
      # A credit names someone; "Photo: 12MP wide" is a spec line, so no digits.
      | (?:image|photo|picture|photograph|illustration|graphic|header\ image
            |featured\ image|lead\ image|top\ image|images|photos)
            (?:\ (?:credit|credits|courtesy|source|by))?\s*:\ [^\d]{1,80}
      | (?:credit|credits|source\ image|photo\ by|image\ by|images\ by)\s*:\ [^\d]{1,80}
      | (?:tags?|topics?|filed\ under|categories|category)\s*:\ .{1,200}
    )
    """,
    re.I | re.X,
)
# Imperative social and click prompts, alone in a short block.
_PROMPT = re.compile(
    r"""
    ^(?:
        click\ here\b
      | tap\ here\b
      | (?:you\ can\ (?:also\ )?)?follow\ (?:us|[\w.&'’ -]{1,40}?)\ on\ (?:twitter|x|facebook
            |instagram|linkedin|threads|bluesky|mastodon|tiktok|youtube|google\ news
            |whatsapp|telegram|flipboard|reddit|pinterest|social\ media)\b
      | (?:like|join)\ us\ on\ (?:facebook|twitter|x|instagram|linkedin|threads|bluesky|tiktok)\b
      | share\ this\ (?:article|story|post|page)\b
      | (?:sign\ up|register)\ (?:now|today|for\ free)\b
    )
    """,
    re.I | re.X,
)
_COOKIES = re.compile(
    r"\b(?:we|this\ (?:web)?site|our\ (?:web)?site)\ uses?\ cookies\b"
    r"|\bcookie\ (?:policy|settings|preferences|consent|notice)\b"
    r"|\baccept\ (?:all\ )?cookies\b"
    r"|\bby\ (?:continuing\ to\ (?:use|browse)|using)\ (?:this|our)\ (?:web)?site\b",
    re.I | re.X,
)
# Every alternative of _COOKIES contains one of these.
_COOKIE_KEYS = _keys("cookie", "site")
# "Related: Apple’s new chip…", "Read more: …": a cross-link dropped into the story.
_INLINE_LINK = re.compile(
    r"^(?:related|read\ (?:more|next|also)|also\ read|see\ also|more|recommended"
    r"|(?:must|editor['’]s)\ (?:read|pick)|don['’]t\ miss|trending|watch|listen"
    r"|you\ (?:may|might)\ (?:also\ )?(?:like|enjoy)|(?:next|previous|prev)\ (?:article|post|story)"
    r"|related\ (?:article|story|content|reading|coverage))\s*[:|–—»›]\s*\S",
    re.I | re.X,
)

# The heading of a "More from…" box or a related-links list.
_RELATED_HEADING = re.compile(
    r"""
    (?:
        more\ (?:from|on|in|about|like\ this|stories|news|articles|to\ (?:read|explore)
            |for\ you|coverage|reading)\b.*
      | (?:related|similar)(?:\ (?:articles?|stories|posts|reads|reading|content|news|coverage
            |links|topics|guides|reviews|videos|resources))?
      | (?:browse|explore|discover|see|view)\ (?:more\ |related\ |other\ |all\ |our\ )*
            (?:articles|stories|posts|guides|news)
      | read\ (?:more|next|also|this\ next)\b.*
      | (?:also\ read|see\ also|further\ reading|keep\ reading|what\ to\ read\ next)
      | you\ (?:may|might|could|will)\ (?:also\ )?(?:like|love|enjoy|want\ to\ read
            |be\ interested\ in)\b.*
      | recommended(?:\ (?:for\ you|reading|stories|articles|videos|posts|content))?
      | (?:the\ )?latest(?:\ (?:news|stories|articles|posts|videos|headlines|updates
            |(?:in|from|on)\ .{1,40}))?
      | (?:most\ )?(?:popular|read|viewed|shared|trending)(?:\ (?:now|today|this\ week
            |stories|articles|posts|news|on\ .{1,40}))?
      | (?:top|trending|featured)\ (?:stories|articles|news|reads) | editor['’]?s?\ picks
      | don['’]t\ miss(?:\ (?:these|this))?
      | around\ the\ web | from\ the\ web | elsewhere\ on\ .{1,40}
      | (?:other|more)\ (?:stories|articles|news)(?:\ (?:from|on|you\ might\ like)\b.*)?
    )
    """,
    re.I | re.X,
)

# Author bios: a name (or pronoun) opening a third-person description of a writer.
_BIO_OPENING = re.compile(
    r"""
    ^(?:
        (?:[A-Z][\w'’.-]+|[A-Z]\.)(?:\s+(?:[A-Z][\w'’.-]+|[A-Z]\.|de|van|von|der|da|di|del|la|le|bin|al))*
      | (?:she|he|they)
    )
    \s+(?:is|was|has|had|joined|covers|writes|reports|leads|lives|holds|graduated|studied
        |previously|currently|began|started|spent|brings|specializes|specialises|focuses
        |edits|runs|oversees|manages|heads)\b
    """,
    re.X,
)
_BIO_ROLE = re.compile(
    r"\b(?:writer|reporter|editor|journalist|correspondent|contributor|columnist|blogger"
    r"|author|editor-in-chief|reviewer|producer)s?\b",
    re.I,
)
_STAFF_ROLE = re.compile(
    r"\b(?:senior|staff|junior|contributing|freelance|deputy|associate|managing|executive"
    r"|principal|lead)\s+(?:[\w-]+\s+)?(?:writer|reporter|editor|journalist|correspondent)\b",
    re.I,
)
# A career in writing: what makes a bio an *author* bio, not a profile in a story.
_BIO_WRITING: tuple[re.Pattern[str], ...] = (
    re.compile(
        r"\b(?:has|have|had|'s|’s)\s+(?:been\s+)?(?:writing|covering|reporting|blogging|written"
        r"|covered|reported|contributed)\b",
        re.I,
    ),
    re.compile(
        r"\b(?:has|'s|’s)\s+been\s+an?\s+(?:[\w-]+\s+){0,3}?(?:contributor|writer|reporter"
        r"|editor|journalist|columnist|correspondent)\b",
        re.I,
    ),
    re.compile(
        r"\b(?:work|writing|bylines?|articles|coverage|stories|reporting)\s+(?:has|have)\s+"
        r"(?:also\s+)?appeared\b",
        re.I,
    ),
    # "… is a senior writer at …": the standard first line of a bio.
    re.compile(
        r"^[^.]{0,60}?\b(?:is|was)\s+(?:a|an|the|our)\s+(?:[\w-]+\s+){0,4}?(?:writer|reporter"
        r"|editor|journalist|correspondent|contributor|columnist|blogger)\s+(?:at|for|with)\b",
        re.I,
    ),
)
_BIO_OTHER: tuple[re.Pattern[str], ...] = (
    # Joining a publication.
    re.compile(r"\b(?:before|prior\s+to|since|after)\s+joining\b", re.I),
    re.compile(r"\bjoined\s+[\w .&'’-]{1,40}?\s+(?:as|in\s+\d{4}|from)\b", re.I),
    re.compile(r"\bpreviously\s+(?:worked|wrote|was|served|edited|reported)\b", re.I),
    # Education.
    re.compile(r"\b(?:BA|BSc|MA|MSc|MFA|PhD)\b"),
    re.compile(
        r"\b(?:(?:bachelor|master)['’]?s?\s+(?:degree|in|of)|degree\s+in|graduated?\s+(?:from|with)"
        r"|alumn[ai]\s+of|stud(?:ied|ying)\s+(?:at|for|\w+\s+at))\b",
        re.I,
    ),
    # Life outside work, and where to find them.
    re.compile(r"\bwhen\s+(?:she|he|they)['’]?(?:s|\s+is|\s+are|re)?\s+not\b", re.I),
    re.compile(r"\bin\s+(?:his|her|their)\s+(?:spare|free|down)\s+time\b", re.I),
    re.compile(r"\b(?:lives|living|is\s+based|are\s+based)\s+in\b", re.I),
    re.compile(r"\byou\s+can\s+(?:follow|find|reach|contact|email)\s+(?:him|her|them)\b", re.I),
)
# Bios speak of one person; "FlexClip is … built for creators" does not.
_PERSONAL_PRONOUN = re.compile(
    r"\b(?:he|she|his|her|him|hers|himself|herself)\b|\bthey(?:\s+(?:have|are|were)|['’](?:re|ve))\b",
    re.I,
)
_ABOUT_AUTHOR = re.compile(
    r"(?:about|meet)\ (?:the\ )?(?:author|writer|reporter|contributor|editor)s?|author\ bio"
    r"|(?:author|writer)\ (?:profile|information|details)"
    r"|who\ (?:wrote|curated|reviewed|edited|tested)\ (?:this|these)\ (?:\w+\ )?"
    r"(?:article|story|guide|post|review|list|picks|products)\??",
    re.I | re.X,
)
# The header of a bio card: a name, then a job title with no sentence ("Tim Green
# UK-based Systems Theorist & Independent Technology Writer").
_BIO_NAME_LINE = re.compile(
    # Headlines open with these; names do not.
    r"^(?!(?:The|A|An|How|Why|What|When|Where|Which|Who|Best|Top|Our|Your|My|This|These"
    r"|Meet|About|New|Inside)\b)"
    r"[A-Z][\w'’.-]+(?:\ [A-Z][\w'’.-]+){1,2}\b[^.!?]{0,80}?"
    r"\b(?i:writer|editor|journalist|reporter|correspondent|columnist|contributor|author"
    r"|blogger|analyst|researcher|theorist|critic)s?$",
    re.X,
)
# A site's "about us" paragraph at the end: "Clay is a UI/UX design agency … We …".
_ORG_ABOUT = re.compile(
    r"^(?:[A-Z][\w&.'’-]*,?\s+){1,6}(?:LLC\s+|Inc\.?\s+|Ltd\.?\s+)?(?:is|are)\s+(?:a|an)\s+"
    r"(?:[\w&/.-]+\s+){0,6}?(?:company|agency|organi[sz]ation|firm|nonprofit|non-profit"
    r"|charity|studio|consultancy|provider|platform|publisher|adviser|advisor|network"
    r"|collective|foundation|institute|school|startup|team)\b",
    re.X,
)

# "Via TechCrunch", "Source: Reuters": credit lines readers expect to keep.
_SOURCE_CREDIT = re.compile(r"^(?:via|source|sources|h/t|hat\ tip)\b", re.I | re.X)


def _fullmatch_norm(pattern: re.Pattern[str], text: str) -> bool:
    return pattern.fullmatch(_norm(text)) is not None


# The rare patterns go first, the reported-speech guard only after a match: most
# blocks match nothing, and this keeps cleaning cheap.
def _mentions(text: str, keys: tuple[str, ...]) -> bool:
    # Substring tests on the lower-cased text: an alternation of a few dozen words makes
    # the regex engine try each of them at almost every position, which costs more.
    return any(map(_norm(text).__contains__, keys))


# Each alternative of _AFFILIATE, and of the newsletter patterns, contains one of these
# (lower-case) words: a block without any cannot match, and plain substring tests are
# far cheaper than the patterns.
_AFFILIATE_KEYS = _keys(
    "commission", "compensat", "affiliate", "share of", "cut of", "a fee", "small fee",
    "earn us", "earn me", "disclos", "disclaim", "associate", "supported", "when you",
    "cost to you", "be paid", "may paid", "might paid", "could paid",
)  # fmt: skip
_NEWSLETTER_KEYS = _keys(
    "subscri", "sign up", "sign-up", "signup", "signing up", "join", "register", "opt in",
    "opt-in", "newsletter", "inbox", "mailing", "submitting", "clicking", "entering",
    "thank", "brands", "partners", "sponsors", "notification", "like you",
)  # fmt: skip


def _is_affiliate(block: Block) -> bool:
    text = block.text
    return (
        _words(text) <= 80
        and _mentions(text, _AFFILIATE_KEYS)
        and bool(_AFFILIATE.search(text))
        and not _REPORTED.search(text)
    )


def _is_newsletter(block: Block) -> bool:
    text = block.text
    if _words(text) > 60 or not _mentions(text, _NEWSLETTER_KEYS):
        return False
    if not (_NEWSLETTER_CTA.search(text) or _NEWSLETTER_PITCH.search(text)):
        return False
    return not _REPORTED.search(text)


# A call to action or offer is a line or two; a paragraph longer than this is telling a
# story, and the "contact us today" it ends on is the story's last sentence: a company
# blog's closing paragraph about its own service is part of the post. (On the extraction
# corpus's tuning half, 6 of the 8 paragraphs of 31-60 words this rule took were in the
# story's text; the check half then read the same, 6 of 8.)
_PROMO_MAX_WORDS = 30


def _is_promo(block: Block) -> bool:
    """An offer or a sales call to action, spoken to the reader or by the site ("Book a
    demo with our team", "Unlock up to 55% off your subscription today!")."""
    if block.tag not in {"p", "h2", "h3", "h4"}:
        return False
    text = block.text
    words = _words(text)
    if words > _PROMO_MAX_WORDS:
        return False
    # The promo patterns are lower-case and run on the normalized text.
    lowered = _norm(text)
    opening = _CTA_OPENING.search(lowered)
    if words <= _CTA_NOW_MAX_WORDS and opening and _ENDS_NOW.search(lowered):
        selling = True
    else:
        selling = _mentions(text, _PROMO_KEYS) and bool(
            _OFFER.search(lowered) or _SALES_CTA.search(lowered)
        )
    if not selling or not (opening or _ADDRESS.search(lowered)):
        return False
    return not _REPORTED.search(text)


def _is_furniture(block: Block) -> bool:
    text = block.text
    words = _words(text)
    if words > 40:
        return False
    if _fullmatch_norm(_LABEL, text):
        return True
    if words <= 25 and (_PROMPT.search(_norm(text)) or _INLINE_LINK.search(_norm(text))):
        return True
    if _mentions(text, _NEWSLETTER_FURNITURE_KEYS) and _NEWSLETTER_FURNITURE.search(text):
        return True
    if words <= _HEADING_MAX_WORDS and _DATED_BYLINE.search(text.strip()):
        return True
    return words <= 60 and _mentions(text, _COOKIE_KEYS) and bool(_COOKIES.search(text))


def _is_prose(block: Block) -> bool:
    """A real paragraph: the kind of block a related-links run never contains."""
    if block.tag in {"pre", "table"}:
        return True
    if block.tag not in {"p", "blockquote"}:
        return False
    words = _words(block.text)
    return words >= 30 or (words >= 8 and bool(_TERMINAL.search(block.text.strip())))


_NOT_HEADLINE = re.compile(
    r"\t|\s\|\s|↩|^\d{1,3}[.)]\s|[.!?][\"'”’)]*\s+\S"
    # "Governance: who owns admin", "Slush - November 20-21": definitions and events.
    r"|^[\w ]{1,25}:\s+[a-z]|\b\d{1,2}\s*[-–]\s*\d{1,2}\b"
)
# A teaser names things ("Google’s new AI…", "Best CDN provider of 2024"); a checklist
# item ("Collect your marriage certificate") has no capital after its first word.
_NAMES_SOMETHING = re.compile(r"\S\s+(?:[\W_]*[A-Z0-9])")


def _is_headline_like(block: Block, *, min_words: int = 1, allow_question: bool = True) -> bool:
    """A teaser title in a link list: short, one phrase, with no closing punctuation."""
    if block.tag not in {"p", "h2", "h3", "h4"}:
        return False
    text = block.text.strip()
    # Table rows, footnotes and numbered steps flattened to lines are not teasers.
    if _NOT_HEADLINE.search(text):
        return False
    words = _words(text)
    if not (min_words <= words <= 25) or (not text[:1].isupper() and not text[:1].isdigit()):
        return False
    if _HARD_TERMINAL.search(text):
        return allow_question and text.rstrip("\"'”’»)]").endswith(("?", "!"))
    return True


def _is_bio(block: Block, *, after_about: bool) -> bool:
    if block.tag not in {"p", "blockquote"}:
        return False
    text = block.text.strip()
    if _words(text) > 150:
        return False
    if after_about:
        # Under "About the author" any short paragraph is the bio, unless it quotes.
        return 5 <= _words(text) <= _ABOUT_BIO_MAX_WORDS and not _SPOKEN.search(text)
    # The anchored opening first: most paragraphs fail it at once.
    if not _BIO_OPENING.search(text):
        return False
    # Bios say "she wrote for…", so only speech and quotes rule one out.
    if _SPOKEN.search(text):
        return False
    writing = sum(1 for pattern in _BIO_WRITING if pattern.search(text))
    other = sum(1 for pattern in _BIO_OTHER if pattern.search(text))
    role = bool(_BIO_ROLE.search(text))
    # A profile of an artist or a CEO in the story has the same shape; an author bio
    # always says the person writes.
    if not (writing or role):
        return False
    if writing + other >= 2:
        return True
    # One signal is enough only for the staff-bio formula ("She is a senior writer at…");
    # "He is a reporter for the Journal" alone may be the news itself.
    return writing + other >= 1 and bool(
        _STAFF_ROLE.search(text) and _PERSONAL_PRONOUN.search(text)
    )


# A bio under an "About the author" heading is about this long at most.
_ABOUT_BIO_MAX_WORDS = 100
# A newsletter box's pitch line is about this long at most.
_BLURB_MAX_WORDS = 30
# Teaser titles in a related-links list are about this long at most.
_LINK_ITEM_MAX_WORDS = 20
# How many blocks apart a repeat may be and still count as one.
_REPEAT_GAP = 2


class _Marks:
    """Which blocks survive, plus navigation over the survivors."""

    def __init__(self, blocks: list[Block]) -> None:
        self.blocks = blocks
        self.keep = [True] * len(blocks)

    def alive(self, start: int = 0) -> list[int]:
        return [i for i in range(start, len(self.blocks)) if self.keep[i]]

    def drop(self, index: int) -> None:
        self.keep[index] = False

    def result(self) -> list[Block]:
        return [b for b, k in zip(self.blocks, self.keep, strict=True) if k]


def _drop_repeats(marks: _Marks, title: str) -> None:
    """Drop a block that repeats one just before it (a double-rendered heading or box),
    or the headline repeated in the body.

    Only near repeats count: listicles and guides legitimately say "Pros and cons",
    "Key results" or a whole warm-up routine again in every section.
    """
    last_seen: dict[str, int] = {}
    title_key = _norm(title)
    if _words(title_key) >= 2:
        last_seen[title_key] = -1
    for i, block in enumerate(marks.blocks):
        key = _norm(block.text)
        # Short things ("•", "$14.26") legitimately repeat; only sentences and headings
        # count.
        if next(islice(_ALPHA_WORD.finditer(key), 1, None), None) is None:
            continue
        previous = last_seen.get(key)
        last_seen[key] = i
        if previous is not None and i - previous <= _REPEAT_GAP:
            marks.drop(i)


def _drop_furniture(marks: _Marks) -> None:
    newsletter_at: list[int] = []
    for i in marks.alive():
        block = marks.blocks[i]
        if block.tag in {"pre", "table"}:
            continue
        if block.tag == "figure":
            # Figures are kept unless their caption is nothing but a credit line.
            if block.text and _fullmatch_norm(_LABEL, block.text) and "<img" not in block.html:
                marks.drop(i)
            continue
        furniture = _is_affiliate(block) or _is_newsletter(block)
        if furniture or _is_furniture(block) or _is_promo(block):
            marks.drop(i)
            if _is_newsletter(block) or _fullmatch_norm(_LABEL, block.text):
                newsletter_at.append(i)
    # The short blurb under a newsletter box's title ("Get the Daily" → "The day's best
    # stories, in your inbox."). Only under a title: after a whole sentence-long prompt
    # the next block is as likely to be the story going on.
    for i in newsletter_at:
        block = marks.blocks[i]
        if not (_is_newsletter(block) or "newsletter" in _norm(block.text)):
            continue
        if _words(block.text) > _HEADING_MAX_WORDS or _TERMINAL.search(block.text.strip()):
            continue
        following = marks.alive(i + 1)[:1]
        if not following:
            continue
        nxt = marks.blocks[following[0]]
        text = nxt.text
        if (
            nxt.tag in {"p", "h2", "h3", "h4"}
            and _words(text) <= _BLURB_MAX_WORDS
            and not _REPORTED.search(text)
            and _SECOND_PERSON.search(text)
            and _PROMO_WORDS.search(text)
        ):
            marks.drop(following[0])
    _drop_pitches(marks)


def _is_pitch(block: Block) -> bool:
    """The line over a sales or newsletter button: short, and selling ("Centralize and
    scale your training!", "Get the latest news about our events.")."""
    text = block.text.strip()
    return (
        block.tag in {"p", "h2", "h3", "h4"}
        and _words(text) <= _PITCH_MAX_WORDS
        and not _REPORTED.search(text)
        and bool(
            _CTA_OPENING.search(_norm(text))
            or _SECOND_PERSON.search(text)
            or "!" in text
            # "Ready to ship faster?" over a "Book a demo" button.
            or (block.is_heading and text.endswith("?"))
        )
        and (
            block.is_heading
            or not _TERMINAL.search(text)
            or text.endswith("!")
            or bool(_CTA_OPENING.search(_norm(text)))
        )
    )


def _drop_pitches(marks: _Marks) -> None:
    dropped = [i for i, keep in enumerate(marks.keep) if not keep]
    for i in dropped:
        button = marks.blocks[i]
        if button.tag == "figure" or not _fullmatch_norm(_CTA_BUTTON, button.text):
            continue
        before = next((j for j in range(i - 1, -1, -1) if marks.keep[j]), None)
        if before is not None and _is_pitch(marks.blocks[before]):
            marks.drop(before)


def _is_bio_header(block: Block) -> bool:
    """A bio card's first line: a name and a job title, no sentence."""
    text = block.text.strip()
    # Only a paragraph: a heading ending in "Writers" is a section title.
    return (
        block.tag == "p"
        and _words(text) <= _HEADING_MAX_WORDS
        and bool(_BIO_NAME_LINE.search(text))
    )


def _is_org_about(block: Block) -> bool:
    """The site describing itself ("Acme is a design agency in Oslo. We …")."""
    text = block.text.strip()
    return (
        block.tag == "p"
        and _words(text) <= _ABOUT_BIO_MAX_WORDS
        and bool(_ORG_ABOUT.search(text))
        and bool(_ADDRESS.search(_norm(text)))
        and not _SPOKEN.search(text)
    )


def _is_label_like(block: Block) -> bool:
    """A few words with no sentence: "About Acme", "More from Acme"."""
    text = block.text.strip()
    return _words(text) <= 5 and not _HARD_TERMINAL.search(text)


def _is_about_label(block: Block) -> bool:
    return _is_label_like(block) and _norm(block.text).startswith("about ")


def _drop_bios(marks: _Marks) -> None:
    total = len(marks.blocks)
    # Only the tail of a story holds a bio; the same sentence at the top is the story.
    tail_start = min(total // 2, max(0, total - 8))
    after_about = False
    alive = marks.alive()
    for position, i in enumerate(alive):
        block = marks.blocks[i]
        previous = marks.blocks[alive[position - 1]] if position else None
        if block.tag in {"p", "h2", "h3", "h4"} and _fullmatch_norm(_ABOUT_AUTHOR, block.text):
            marks.drop(i)
            after_about = True
            continue
        if i >= tail_start and _is_bio_header(block):
            marks.drop(i)
            after_about = True
            continue
        in_tail = i >= tail_start
        bio = (in_tail or after_about) and _is_bio(block, after_about=after_about)
        # A company's "about us" sits under its own "About Acme" label. Without one, "Acme is
        # an agency …" near the end is as often the last entry of a list of companies the
        # story reviews, under that company's name (on the extraction corpus's tuning half,
        # all four such paragraphs without an "About" label were the story's own text).
        labelled = previous is not None and _is_about_label(previous)
        if bio or (in_tail and labelled and _is_org_about(block)):
            marks.drop(i)
            # Its "About Acme" label goes with it.
            if previous is not None and _is_about_label(previous):
                marks.drop(alive[position - 1])
        after_about = False


def _drop_sponsored_sections(marks: _Marks) -> None:
    """A heading marked as sponsored and the sponsor's blocks under it, up to the next
    heading as prominent (or the end of the page)."""
    alive = marks.alive()
    for position, i in enumerate(alive):
        heading = marks.blocks[i]
        if not heading.is_heading or not _SPONSORED_HEADING.search(heading.text.strip()):
            continue
        rank = _heading_rank(heading)
        section: list[int] = []
        ended = False
        for j in alive[position + 1 :]:
            block = marks.blocks[j]
            if block.is_heading and _heading_rank(block) <= rank:
                ended = True
                break
            section.append(j)
        ended = ended or len(section) == len(alive) - position - 1
        marks.drop(i)
        if ended and len(section) <= _SPONSORED_MAX_BLOCKS:
            for j in section:
                marks.drop(j)


def _drop_related_lists(marks: _Marks) -> None:
    for i, heading in enumerate(marks.blocks):
        if heading.tag not in {"p", "h2", "h3", "h4"} or _words(heading.text) > 12:
            continue
        # A heading already dropped as furniture ("Read more") still opens its list; a
        # paragraph "Read more" is a button under a teaser and opens nothing.
        if not marks.keep[i] and not heading.is_heading:
            continue
        # "Read more about the new chips." is a sentence, not the label of a list.
        if heading.text.rstrip().endswith((".", "!")):
            continue
        if not _fullmatch_norm(_RELATED_HEADING, heading.text):
            continue
        run: list[int] = []
        reached_prose = False
        for j in marks.alive(i + 1):
            block = marks.blocks[j]
            if _is_prose(block) and not _is_bio(block, after_about=False):
                reached_prose = True
                break
            if block.tag == "figure" or _is_link_list(block) or _is_headline_like(block):
                run.append(j)
                continue
            reached_prose = True
            break
        if reached_prose:
            # The story resumes: a heading as prominent as the list's own opens the next
            # section, and failing that, so does a heading right before the prose.
            rank = _heading_rank(heading)
            ends = [
                k
                for k, j in enumerate(run)
                if marks.blocks[j].is_heading and _heading_rank(marks.blocks[j]) <= rank
            ]
            if ends:
                del run[ends[0] :]
            elif run and marks.blocks[run[-1]].is_heading:
                run.pop()
        if not run and reached_prose:
            continue  # a heading that happens to read "Latest" over real text
        marks.drop(i)
        for j in run:
            marks.drop(j)


def _heading_rank(block: Block) -> int:
    # A label in a paragraph ("Also read:") ranks like a section heading.
    return int(block.tag[1]) if block.is_heading else 2


def _is_link_list(block: Block) -> bool:
    """A list of teaser titles, not a list of steps or specs written as sentences."""
    if block.tag not in {"ul", "ol"}:
        return False
    items = max(1, block.html.count("<li"))
    return _words(block.text) / items <= _LINK_ITEM_MAX_WORDS


def _drop_trailing_headlines(marks: _Marks) -> None:
    alive = marks.alive()
    run: list[int] = []
    for i in reversed(alive):
        block = marks.blocks[i]
        if _SOURCE_CREDIT.search(block.text.strip()):
            break
        if not _is_headline_like(block, min_words=4, allow_question=False):
            break
        run.append(i)
    has_prose_before = any(_is_prose(marks.blocks[i]) for i in alive[: len(alive) - len(run)])
    naming = sum(1 for i in run if _NAMES_SOMETHING.search(marks.blocks[i].text))
    if len(run) >= 2 and has_prose_before and naming * 2 >= len(run):
        for i in run:
            marks.drop(i)


# Above the first paragraph: the section's name ("Cloud", "Halbleiter") and the byline and
# date line ("By Jane Doe | May 2, 2026", "Par Hélène Marchand, le 27 octobre 2026"). The
# story's header shows the byline and date from the metadata; in the body they are the
# page's furniture.
_LEAD_BLOCKS = 4
_KICKER_MAX_WORDS = 3
_KICKER_MAX_CHARS = 40
_LEAD_MAX_WORDS = 15
_BODY_PARAGRAPH_WORDS = 20
# Not re.I: "By Jane" is a byline, "by now" is not.
_BY = re.compile(
    r"^(?:[Bb]y|[Pp]ar|[Vv]on|[Pp]or|[Dd]i|[Dd]oor|[Aa]v|[Aa]f|[Pp]rzez)\s+[A-ZÀ-ÖØ-Þ]"
)
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")


def _is_byline_line(block: Block, byline: str) -> bool:
    """ "By Jane Doe | May 2, 2026": the byline, maybe with its date, on a line of its own
    (a line that ends as a sentence does is the story: "By 2030, half will be electric.")."""
    text = block.text.strip()
    if block.tag != "p" or _words(text) > _LEAD_MAX_WORDS or _HARD_TERMINAL.search(text):
        return False
    named = len(byline) >= 5 and _norm(byline) in _norm(text)
    if _BY.search(text):
        return named or bool(_YEAR.search(text))
    return named and _words(text) <= _words(byline) + 8


def _is_kicker(block: Block) -> bool:
    """The section's name over the headline: a word or three, no sentence, no number."""
    text = block.text.strip()
    return (
        block.tag == "p"
        and _is_label_like(block)
        and 0 < _words(text) <= _KICKER_MAX_WORDS
        and len(text) <= _KICKER_MAX_CHARS
        and not any(ch.isdigit() for ch in text)
    )


def _drop_lead_furniture(marks: _Marks, title: str, byline: str) -> None:
    """Drop the section label and the byline line above the story's first paragraph (and
    the headline repeated there, which _drop_repeats would drop anyway)."""
    lead = marks.alive()[: _LEAD_BLOCKS + 1]
    headline = _norm(title)
    furniture = [
        _is_byline_line(marks.blocks[i], byline)
        or (bool(headline) and _norm(marks.blocks[i].text) == headline)
        for i in lead
    ]
    # A kicker only counts when the story's first real paragraph follows it (past the
    # headline and the byline).
    after = [i for i, known in zip(lead[1:], furniture[1:], strict=True) if not known]
    story_follows = bool(after) and (
        marks.blocks[after[0]].tag == "p"
        and _words(marks.blocks[after[0]].text) >= _BODY_PARAGRAPH_WORDS
    )
    for position, i in enumerate(lead[:_LEAD_BLOCKS]):
        kicker = position == 0 and story_follows and _is_kicker(marks.blocks[i])
        if not (furniture[position] or kicker):
            break  # the story has begun
        marks.drop(i)


# --- Page structure that is not the story. Each rule names the way pages are built that
# leaves the junk, not a phrase: what a block *is* (a spacer, a list of the page's own
# files, an image's address, a caption's expander), so it holds on sites nobody tuned for.

# Zero-width characters a page builder leaves in spacer paragraphs ("<p>&zwj;</p>").
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"))
# The address of one of the page's own scripts, styles or fonts, printed as text (a cache
# plugin's list of minified files, "…/breeze-minification/js/…inline_script_3.js").
_ASSET_URL = re.compile(
    r"(?:https?:)?//\S+?\.(?:js|mjs|css|map|woff2?|ttf|otf|eot)(?:[?#]\S*)?"
    r"|(?:https?:)?//\S*/(?:wp-content/cache|wp-includes|wp-content/plugins)/\S*",
    re.I,
)
# An image's address alone on a line: a gallery or lazy loader printed the photo's URL
# above its caption.
_IMAGE_URL = re.compile(
    r"(?:https?:)?//\S+?\.(?:jpe?g|png|gif|webp|avif|svg|bmp|tiff?)(?:[?#]\S*)?", re.I
)
# The expander of a long caption or teaser: "less", "… more", "Show more".
_TOGGLE = re.compile(r"[\W_]*(?:(?:show|see|view|read)\s+)?(?:more|less)[\W_]*", re.I)
_TOGGLE_MAX_CHARS = 16
_CAPTION_TOGGLE_END = re.compile(r"\s*(?:…|\.\.\.)\s*(?:more|less)\s*$", re.I)


_TAG = re.compile(r"<[^>]*>")
_BLANK_MAX_CHARS = 32


def _is_blank(block: Block) -> bool:
    """Only whitespace and zero-width characters, and no image: shows nothing. (Read from
    the HTML too: a block's text is a summary its maker may have left empty.)"""
    if len(block.text) > _BLANK_MAX_CHARS or "<img" in block.html:
        return False  # a spacer is a character or two, and this skips every paragraph
    if block.text.translate(_ZERO_WIDTH).strip():
        return False
    shown = html.unescape(_TAG.sub("", block.html))
    return not shown.translate(_ZERO_WIDTH).strip()


def _only_urls(block: Block, pattern: re.Pattern[str]) -> bool:
    if "//" not in block.text:
        return False  # nearly every block: no address at all
    tokens = [token.strip("•·*-–,;") for token in block.text.split()]
    tokens = [token for token in tokens if token]
    return bool(tokens) and all(pattern.fullmatch(token) for token in tokens)


def _is_page_machinery(block: Block) -> bool:
    """A spacer, the page's asset URLs, a bare image URL, or a caption's expander."""
    if block.tag in {"pre", "table"}:
        return _is_blank(block)  # code and tables may well list file names
    return (
        _is_blank(block)
        or _only_urls(block, _ASSET_URL)
        or _only_urls(block, _IMAGE_URL)
        or (
            len(block.text) <= _TOGGLE_MAX_CHARS
            and block.tag != "figure"
            and _TOGGLE.fullmatch(block.text) is not None
        )
    )


def _drop_page_machinery(marks: _Marks) -> None:
    for i in marks.alive():
        if _is_page_machinery(marks.blocks[i]):
            marks.drop(i)


# A caption line is at least this long to count as repeated: "Photo" or "1/12" repeat
# for good reason.
_CAPTION_LINE_MIN_WORDS = 3
_CAPTION_LINE = re.compile(r"\n+|(?<=[.!?])\s+(?=[A-Z])")


def _caption(figure: etree._Element) -> etree._Element | None:
    return figure.find(".//figcaption")


def _caption_lines(text: str) -> list[str]:
    return [line for line in (_collapse(part) for part in _CAPTION_LINE.split(text)) if line]


def _caption_text(caption: etree._Element) -> str:
    """The caption's text with its line breaks (a <br> is where a credit line starts)."""
    parts: list[str] = [caption.text or ""]
    for element in caption.iterdescendants():
        if element.tag == "br":
            parts.append("\n")
        else:
            parts.append(element.text or "")
        parts.append(element.tail or "")
    return "".join(parts)


def _rewrite_caption(block: Block, repeated: set[str]) -> Block | None:
    """The figure without the caption lines other figures repeat and without a "… more"
    expander; None when nothing is left of it."""
    figure = lxml.html.fragment_fromstring(block.html)
    caption = _caption(figure)
    if caption is None:
        return block
    lines = _caption_lines(_caption_text(caption))
    kept = [line for line in lines if _norm(line) not in repeated]
    if kept:
        kept[-1] = _CAPTION_TOGGLE_END.sub("", kept[-1])
    kept = [line for line in kept if line]
    if kept == lines:
        return block
    # Rebuilt as plain text: a caption's links and emphasis are not worth a partial edit.
    parent = caption.getparent()
    if kept:
        for child in list(caption):
            caption.remove(child)
        caption.text = " ".join(kept)
    elif parent is not None:
        parent.remove(caption)
    text = _collapse(figure.text_content())
    if not text and figure.find(".//img") is None:
        return None
    return Block(block.tag, etree.tostring(figure, encoding="unicode", method="html"), text)


def _trim_repeated_captions(marks: _Marks) -> None:
    """A caption line repeated under two or more figures of a story is the site's credit
    or boilerplate ("Photo Credit: Screenshot from the … website" under every image), not
    a caption: it goes from all of them. A caption's "… more" expander goes too."""
    figures = [i for i in marks.alive() if marks.blocks[i].tag == "figure"]
    if not figures:
        return
    seen: dict[str, int] = {}
    for i in figures:
        block = marks.blocks[i]
        if "<figcaption" not in block.html:
            continue
        caption = _caption(lxml.html.fragment_fromstring(block.html))
        if caption is None:
            continue
        for line in set(map(_norm, _caption_lines(_caption_text(caption)))):
            if _words(line) >= _CAPTION_LINE_MIN_WORDS:
                seen[line] = seen.get(line, 0) + 1
    repeated = {line for line, count in seen.items() if count >= 2}
    for i in figures:
        block = marks.blocks[i]
        if "<figcaption" not in block.html:
            continue
        rewritten = _rewrite_caption(block, repeated)
        if rewritten is None:
            marks.drop(i)
        else:
            marks.blocks[i] = rewritten


def remove_boilerplate(blocks: list[Block], *, title: str = "", byline: str = "") -> list[Block]:
    """Drop the blocks that are the site rather than the story.

    Works on blocks from any extractor and any site: affiliate disclosures, newsletter
    boxes, share and cookie prompts, repeats, a section label or byline line above the
    first paragraph, author bios at the end, and "More from…" or related-headline lists.
    Returns the kept blocks, unchanged and in order.
    """
    marks = _Marks(list(blocks))
    _drop_page_machinery(marks)
    _trim_repeated_captions(marks)
    _drop_lead_furniture(marks, title, byline)
    _drop_repeats(marks, title)
    _drop_furniture(marks)
    _drop_bios(marks)
    _drop_sponsored_sections(marks)
    _drop_related_lists(marks)
    _drop_trailing_headlines(marks)
    return marks.result()
