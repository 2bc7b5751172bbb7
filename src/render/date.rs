//! The one date an output records: 1 January of the budget year, or the
//! moment `SOURCE_DATE_EPOCH` names when it is set. Never the clock, so the
//! same data gives the same bytes.

use rust_xlsxwriter::ExcelDateTime;
use typst::foundations::Datetime;

/// A date and time of day, in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocDate {
    pub year: i32,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
}

impl DocDate {
    /// 1 January of `year`, or `source_date_epoch` (seconds since 1970).
    pub fn new(year: i32, source_date_epoch: Option<i64>) -> DocDate {
        match source_date_epoch {
            Some(secs) => {
                let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
                let rem = secs.rem_euclid(86_400);
                DocDate {
                    year,
                    month,
                    day,
                    hour: (rem / 3600) as u8,
                    minute: (rem % 3600 / 60) as u8,
                    second: (rem % 60) as u8,
                }
            }
            None => DocDate {
                year,
                month: 1,
                day: 1,
                hour: 0,
                minute: 0,
                second: 0,
            },
        }
    }

    /// As a PDF date string, `D:YYYYMMDDHHmmSSZ`.
    pub fn pdf(&self) -> String {
        format!(
            "D:{:04}{:02}{:02}{:02}{:02}{:02}Z",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }

    /// For Typst's PDF export; a year Typst cannot hold becomes 2000.
    pub fn typst(&self) -> Datetime {
        Datetime::from_ymd_hms(
            self.year,
            self.month,
            self.day,
            self.hour,
            self.minute,
            self.second,
        )
        .or_else(|| Datetime::from_ymd_hms(2000, 1, 1, 0, 0, 0))
        .expect("a valid constant date")
    }

    /// For a workbook's properties: the date, within Excel's years
    /// 1900–9999.
    pub fn excel(&self) -> Option<ExcelDateTime> {
        let year = u16::try_from(self.year.clamp(1900, 9999)).ok()?;
        ExcelDateTime::from_ymd(year, self.month, self.day)
            .and_then(|d| d.and_hms(u16::from(self.hour), self.minute, self.second))
            .ok()
    }
}

/// Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i32, u8, u8) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y as i32, m as u8, d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_from_epoch_days() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }

    #[test]
    fn the_budget_year_or_the_epoch() {
        assert_eq!(DocDate::new(2024, None).pdf(), "D:20240101000000Z");
        assert_eq!(
            DocDate::new(2024, Some(1_700_000_000)).pdf(),
            "D:20231114221320Z"
        );
    }
}
