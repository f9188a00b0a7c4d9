//! Print files (PDF) for the card printer and the letter shop (R-DK-1, R-DK-2): key cards,
//! one or more A4 pages per card (large print on request), and temporary passcode letters,
//! one A4 page per letter.
//!
//! The files use the standard PDF fonts (Helvetica, Courier; nothing embedded) with
//! WinAnsiEncoding, so æ, ø and å print everywhere; text is encoded to Windows-1252 here and
//! anything outside it is refused. The passcode is printed in a box; the seal is the envelope
//! the letter shop puts the page in (a window-less security envelope, numbered with the letter
//! number the RA registers, R-DK-1). A print file holds the secrets in the clear: it is as
//! secret as the codes on it, goes straight to the printer and is deleted after printing.

use pdf_writer::{Content, Finish as _, Name, Pdf, Rect, Ref, Str, TextStr};

use super::keycard::{KeyCard, KeyCardPair, KeyCardSerial};
use super::passcode::IssuedCode;
use super::SecretError;

/// A4 in points.
const PAGE_WIDTH: f32 = 595.28;
const PAGE_HEIGHT: f32 = 841.89;
/// Left and right margin (2 cm).
const MARGIN: f32 = 56.7;
/// The lowest baseline on a page.
const BOTTOM: f32 = 60.0;

const HELVETICA: Name<'static> = Name(b"F1");
const HELVETICA_BOLD: Name<'static> = Name(b"F2");
const COURIER: Name<'static> = Name(b"F3");
const COURIER_BOLD: Name<'static> = Name(b"F4");
/// Courier's advance width, in text space units per point of font size.
const COURIER_ADVANCE: f32 = 0.6;

/// One key card to print: its serial and its pairs, in position order.
#[derive(Debug, Clone)]
pub struct KeyCardPrint {
    serial: KeyCardSerial,
    pairs: Vec<KeyCardPair>,
}

impl KeyCardPrint {
    /// The print of `card` (derives its whole layout).
    pub fn new(card: &KeyCard) -> Result<Self, SecretError> {
        Ok(KeyCardPrint { serial: card.serial().clone(), pairs: card.layout()? })
    }

    /// The card's serial.
    pub fn serial(&self) -> &KeyCardSerial {
        &self.serial
    }

    /// The pairs printed.
    pub fn pairs(&self) -> &[KeyCardPair] {
        &self.pairs
    }
}

/// One temporary passcode letter to print: its number (registered by the RA when it hands
/// the envelope over) and the passcode.
#[derive(Debug)]
pub struct PasscodeLetterPrint {
    number: String,
    passcode: IssuedCode,
}

impl PasscodeLetterPrint {
    /// The letter numbered `number` (1 to 40 characters of Windows-1252, no control
    /// characters) carrying `passcode`.
    pub fn new(number: &str, passcode: IssuedCode) -> Result<Self, SecretError> {
        let number = number.trim();
        if number.is_empty() || number.chars().count() > 40 {
            return Err(SecretError::Print("a letter number has 1 to 40 characters".to_owned()));
        }
        win_ansi(number)?;
        Ok(PasscodeLetterPrint { number: number.to_owned(), passcode })
    }

    /// The letter's number.
    pub fn number(&self) -> &str {
        &self.number
    }
}

/// The layout of a key card page: standard or large print (R-DK-2).
struct Grid {
    title_size: f32,
    text_size: f32,
    code_size: f32,
    columns: usize,
    row_height: f32,
    /// The first row's baseline.
    top: f32,
    /// Gap between a key and its code, in characters.
    gap: usize,
}

impl Grid {
    fn new(large_print: bool) -> Self {
        if large_print {
            Grid {
                title_size: 24.0,
                text_size: 15.0,
                code_size: 20.0,
                columns: 2,
                row_height: 33.0,
                top: 610.0,
                gap: 2,
            }
        } else {
            Grid {
                title_size: 18.0,
                text_size: 11.0,
                code_size: 11.0,
                columns: 3,
                row_height: 19.0,
                top: 660.0,
                gap: 4,
            }
        }
    }

    fn rows_per_page(&self) -> usize {
        (((self.top - BOTTOM) / self.row_height) as usize).max(1) + 1
    }

    fn per_page(&self) -> usize {
        self.rows_per_page() * self.columns
    }
}

/// The key cards as one PDF: a header with the serial on each page, then the grid of key and
/// code, in columns by position. A card takes one page in standard print up to 3 × 32 pairs;
/// large print (bigger type, two columns) takes as many pages as it needs, each saying which
/// page of the card it is.
pub fn key_card_pdf(cards: &[KeyCardPrint], large_print: bool) -> Result<Vec<u8>, SecretError> {
    let grid = Grid::new(large_print);
    let mut document = Document::new();
    for card in cards {
        let chunks: Vec<&[KeyCardPair]> =
            if card.pairs.is_empty() { vec![&[]] } else { card.pairs.chunks(grid.per_page()).collect() };
        let pages = chunks.len();
        for (index, pairs) in chunks.into_iter().enumerate() {
            document.add_page(key_card_page(&grid, card, pairs, index + 1, pages)?);
        }
    }
    Ok(document.finish("Nøglekort / Key cards"))
}

fn key_card_page(
    grid: &Grid,
    card: &KeyCardPrint,
    pairs: &[KeyCardPair],
    page: usize,
    pages: usize,
) -> Result<Content, SecretError> {
    let mut content = Content::new();
    let s = grid.text_size;
    let mut y = PAGE_HEIGHT - MARGIN - grid.title_size;
    text(&mut content, HELVETICA_BOLD, grid.title_size, MARGIN, y, "Nøglekort · NemID-style key card")?;
    y -= grid.title_size * 1.4;
    let serial = format!("Kortnummer / Card serial: {}", card.serial.grouped());
    text(&mut content, HELVETICA_BOLD, s, MARGIN, y, &serial)?;
    y -= s * 1.4;
    text(
        &mut content,
        HELVETICA,
        s * 0.8,
        MARGIN,
        y,
        &format!("Side {page} af {pages} / Page {page} of {pages}"),
    )?;
    y -= s * 1.6;
    for line in [
        "Når du logger på, vises et nøglenummer. Indtast koden, der står ud for nøglen.",
        "When you sign in, a key number is shown. Type the code printed next to that key.",
    ] {
        text(&mut content, HELVETICA, s * 0.8, MARGIN, y, line)?;
        y -= s * 1.1;
    }

    let column_width = (PAGE_WIDTH - 2.0 * MARGIN) / grid.columns as f32;
    let code_offset = (4 + grid.gap) as f32 * COURIER_ADVANCE * grid.code_size;
    let rows = grid.rows_per_page();
    // Column headings.
    for column in 0..grid.columns.min(pairs.len().div_ceil(rows).max(1)) {
        let x = MARGIN + column as f32 * column_width;
        text(&mut content, HELVETICA_BOLD, s * 0.8, x, grid.top + grid.row_height, "Nøgle/Key")?;
        text(
            &mut content,
            HELVETICA_BOLD,
            s * 0.8,
            x + code_offset,
            grid.top + grid.row_height,
            "Kode/Code",
        )?;
    }
    // A light rule under every fifth row keeps the eye on the line.
    content.set_stroke_gray(0.75);
    content.set_line_width(0.5);
    for (index, pair) in pairs.iter().enumerate() {
        let (column, row) = (index / rows, index % rows);
        let x = MARGIN + column as f32 * column_width;
        let baseline = grid.top - row as f32 * grid.row_height;
        text(&mut content, COURIER, grid.code_size, x, baseline, &pair.key.to_string())?;
        text(&mut content, COURIER_BOLD, grid.code_size, x + code_offset, baseline, pair.code.as_str())?;
        if row % 5 == 4 && index + 1 < pairs.len() {
            let rule = baseline - grid.row_height * 0.35;
            content.move_to(x, rule);
            content.line_to(x + column_width - 12.0, rule);
            content.stroke();
        }
    }
    Ok(content)
}

/// The temporary passcode letters as one PDF, one A4 page each: the letter number, how to
/// activate in Danish and English, and the passcode in a box.
pub fn passcode_letter_pdf(letters: &[PasscodeLetterPrint]) -> Result<Vec<u8>, SecretError> {
    let mut document = Document::new();
    for letter in letters {
        document.add_page(letter_page(letter)?);
    }
    Ok(document.finish("Midlertidige adgangskoder / Temporary passcodes"))
}

fn letter_page(letter: &PasscodeLetterPrint) -> Result<Content, SecretError> {
    let mut content = Content::new();
    let mut y = PAGE_HEIGHT - MARGIN - 20.0;
    text(&mut content, HELVETICA_BOLD, 20.0, MARGIN, y, "Midlertidig adgangskode")?;
    y -= 20.0;
    text(&mut content, HELVETICA, 14.0, MARGIN, y, "Temporary passcode")?;
    y -= 28.0;
    text(&mut content, HELVETICA, 11.0, MARGIN, y, &format!("Brev nr. / Letter no.: {}", letter.number))?;
    y -= 36.0;
    let danish = [
        "Sådan aktiverer du dit NemID",
        "1. Gå til log-in og indtast dit bruger-id (NemID-nummeret i velkomstbrevet).",
        "2. Indtast den midlertidige adgangskode herunder og en kode fra dit nøglekort.",
        "3. Vælg din egen adgangskode. Den midlertidige adgangskode virker derefter ikke mere.",
        "Mellemrum og bindestreger i koden betyder ikke noget.",
    ];
    y = paragraph(&mut content, y, &danish)?;

    // The box with the passcode, centred.
    y -= 16.0;
    let box_height = 64.0;
    content.set_stroke_gray(0.0);
    content.set_line_width(1.5);
    content.rect(MARGIN, y - box_height, PAGE_WIDTH - 2.0 * MARGIN, box_height);
    content.stroke();
    let printed = letter.passcode.printed();
    let size = 28.0;
    let width = printed.chars().count() as f32 * COURIER_ADVANCE * size;
    text(
        &mut content,
        COURIER_BOLD,
        size,
        (PAGE_WIDTH - width) / 2.0,
        y - box_height / 2.0 - size * 0.3,
        &printed,
    )?;
    y -= box_height + 36.0;

    let english = [
        "How to activate your NemID",
        "1. Go to the sign-in page and enter your user ID (the NemID number in the welcome letter).",
        "2. Enter the temporary passcode above and a code from your key card.",
        "3. Choose your own passcode. The temporary passcode then stops working.",
        "Spaces and dashes in the code do not matter.",
    ];
    y = paragraph(&mut content, y, &english)?;
    y -= 24.0;
    for line in [
        "Opbevar ikke brevet sammen med dit nøglekort. Makulér det, når du har valgt din adgangskode.",
        "Do not keep this letter with your key card. Shred it once you have chosen your passcode.",
    ] {
        text(&mut content, HELVETICA, 9.0, MARGIN, y, line)?;
        y -= 12.0;
    }
    Ok(content)
}

/// A heading line in bold and the lines after it; returns the baseline below the last.
fn paragraph(content: &mut Content, mut y: f32, lines: &[&str]) -> Result<f32, SecretError> {
    for (index, line) in lines.iter().enumerate() {
        let font = if index == 0 { HELVETICA_BOLD } else { HELVETICA };
        text(content, font, 11.0, MARGIN, y, line)?;
        y -= if index == 0 { 18.0 } else { 15.0 };
    }
    Ok(y)
}

/// One line of text at (x, y).
fn text(
    content: &mut Content,
    font: Name<'_>,
    size: f32,
    x: f32,
    y: f32,
    line: &str,
) -> Result<(), SecretError> {
    let bytes = win_ansi(line)?;
    content.begin_text();
    content.set_font(font, size);
    content.next_line(x, y);
    content.show(Str(&bytes));
    content.end_text();
    Ok(())
}

/// A PDF being written: the four standard fonts, then pages, then the page tree.
struct Document {
    pdf: Pdf,
    next: i32,
    catalog: Ref,
    tree: Ref,
    fonts: [(Name<'static>, Ref); 4],
    pages: Vec<Ref>,
}

impl Document {
    fn new() -> Self {
        let mut pdf = Pdf::new();
        let (catalog, tree) = (Ref::new(1), Ref::new(2));
        let fonts = [
            (HELVETICA, Ref::new(3)),
            (HELVETICA_BOLD, Ref::new(4)),
            (COURIER, Ref::new(5)),
            (COURIER_BOLD, Ref::new(6)),
        ];
        let base = [&b"Helvetica"[..], b"Helvetica-Bold", b"Courier", b"Courier-Bold"];
        for ((_, id), base) in fonts.iter().zip(base) {
            pdf.type1_font(*id).base_font(Name(base)).encoding_predefined(Name(b"WinAnsiEncoding"));
        }
        Document { pdf, next: 7, catalog, tree, fonts, pages: Vec::new() }
    }

    fn alloc(&mut self) -> Ref {
        let id = Ref::new(self.next);
        self.next += 1;
        id
    }

    fn add_page(&mut self, content: Content) {
        let (page_id, content_id) = (self.alloc(), self.alloc());
        let mut page = self.pdf.page(page_id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT));
        page.parent(self.tree);
        page.contents(content_id);
        let mut resources = page.resources();
        let mut fonts = resources.fonts();
        for (name, id) in self.fonts {
            fonts.pair(name, id);
        }
        fonts.finish();
        resources.finish();
        page.finish();
        self.pdf.stream(content_id, &content.finish());
        self.pages.push(page_id);
    }

    fn finish(mut self, title: &str) -> Vec<u8> {
        let count = i32::try_from(self.pages.len()).unwrap_or(i32::MAX);
        self.pdf.pages(self.tree).kids(self.pages.iter().copied()).count(count);
        self.pdf.catalog(self.catalog).pages(self.tree);
        let info = self.alloc();
        self.pdf.document_info(info).title(TextStr(title)).producer(TextStr("tillit"));
        self.pdf.finish()
    }
}

/// Windows-1252 (PDF's WinAnsiEncoding) for the characters a letter may use; refuses control
/// characters and anything the encoding lacks.
pub(crate) fn win_ansi(text: &str) -> Result<Vec<u8>, SecretError> {
    text.chars()
        .map(|c| {
            let code = u32::from(c);
            let byte = match c {
                ' '..='~' => Some(code as u8),
                '\u{a0}'..='\u{ff}' => Some(code as u8),
                _ => WIN_1252_HIGH.iter().find(|(ch, _)| *ch == c).map(|(_, b)| *b),
            };
            byte.ok_or_else(|| {
                SecretError::Print(format!(
                    "the character {c:?} (U+{code:04X}) cannot be printed in Windows-1252"
                ))
            })
        })
        .collect()
}

/// Windows-1252's 0x80..=0x9F, where it differs from Latin-1.
const WIN_1252_HIGH: [(char, u8); 27] = [
    ('€', 0x80),
    ('‚', 0x82),
    ('ƒ', 0x83),
    ('„', 0x84),
    ('…', 0x85),
    ('†', 0x86),
    ('‡', 0x87),
    ('ˆ', 0x88),
    ('‰', 0x89),
    ('Š', 0x8a),
    ('‹', 0x8b),
    ('Œ', 0x8c),
    ('Ž', 0x8e),
    ('‘', 0x91),
    ('’', 0x92),
    ('“', 0x93),
    ('”', 0x94),
    ('•', 0x95),
    ('–', 0x96),
    ('—', 0x97),
    ('˜', 0x98),
    ('™', 0x99),
    ('š', 0x9a),
    ('›', 0x9b),
    ('œ', 0x9c),
    ('ž', 0x9e),
    ('Ÿ', 0x9f),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn danish_letters_become_windows_1252() {
        assert_eq!(win_ansi("æøåÆØÅ é").unwrap(), vec![0xe6, 0xf8, 0xe5, 0xc6, 0xd8, 0xc5, 0x20, 0xe9]);
        assert_eq!(win_ansi("€ – ’").unwrap(), vec![0x80, 0x20, 0x96, 0x20, 0x92]);
        assert!(win_ansi("ł").is_err());
        assert!(win_ansi("a\nb").is_err());
        assert!(win_ansi("\u{7f}").is_err());
    }

    #[test]
    fn standard_print_fits_a_card_of_90_on_one_page() {
        assert!(Grid::new(false).per_page() >= 90, "{}", Grid::new(false).per_page());
        let large = Grid::new(true);
        assert!(large.per_page() < 90 && large.per_page() >= 30, "{}", large.per_page());
    }
}
