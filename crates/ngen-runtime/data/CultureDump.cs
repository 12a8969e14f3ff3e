// CultureDump: writes, on stdout, the culture tables ngen-build's runtime serves to mscorlib's
// globalization icalls (crates/ngen-runtime/src/icalls/culture_info.rs), as mono 6.8 itself fills
// them. It observes mono running -- every culture CultureInfo.GetCultures lists, each icall
// invoked through reflection and its results read back -- so the data is derived from mono's
// behaviour, never copied from its C tables. Regenerate with ./regenerate.sh (see its header).
//
// Format (UTF-8 text, one record a line, fields separated by TAB; the order below is the order
// culture_table.rs parses):
//   a string field escapes '\' as \\, TAB as \t, LF as \n, CR as \r, '|' as \| and is \N
//   when null; an array field is its length, then '|' and each item ("0" when empty).
//   C  name lcid parent_lcid calendar_type datetime_index number_index englishname nativename
//      win3lang iso3lang iso2lang territory native_calendar_names ansi ebcdic mac oem
//      right_to_left list_separator_byte          (one a culture, in mono's table order)
//   L  lcid name                                   (the culture CultureInfo(lcid) finds)
//   T  datetime_index AMDesignator PMDesignator TimeSeparator LongTimePatterns ShortTimePatterns
//      FirstDayOfWeek CalendarWeekRule            (CultureData.fill_culture_data)
//   K  datetime_index ShortDatePatterns YearMonthPatterns LongDatePatterns MonthDayPattern
//      DayNames AbbreviatedDayNames SuperShortDayNames MonthNames AbbreviatedMonthNames
//      GenitiveMonthNames GenitiveAbbreviatedMonthNames   (CalendarData.fill_calendar_data)
//   N  number_index and the 23 NumberFormatEntryManaged fields in declaration order, string
//      ones as their text                          (CultureData.fill_number_data)
//   R  name geo_id iso2name iso3name win3name english_name native_name currency_symbol
//      iso_currency_symbol currency_english_name currency_native_name
//                                                  (RegionInfo.construct_internal_region_from_name)
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Reflection;
using System.Runtime.Serialization;
using System.Text;

static class CultureDump
{
	const BindingFlags Any = BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic;

	static object Field (object o, string name)
	{
		return o.GetType ().GetField (name, Any).GetValue (o);
	}

	static string Escape (string s)
	{
		if (s == null)
			return "\\N";
		var b = new StringBuilder ();
		foreach (char c in s) {
			switch (c) {
			case '\\': b.Append ("\\\\"); break;
			case '\t': b.Append ("\\t"); break;
			case '\n': b.Append ("\\n"); break;
			case '\r': b.Append ("\\r"); break;
			case '|': b.Append ("\\|"); break;
			default: b.Append (c); break;
			}
		}
		return b.ToString ();
	}

	static string Array (object o)
	{
		var items = (string[]) o;
		if (items == null)
			return "\\N";
		var b = new StringBuilder ();
		b.Append (items.Length.ToString (CultureInfo.InvariantCulture));
		foreach (var item in items)
			b.Append ('|').Append (Escape (item));
		return b.ToString ();
	}

	static string Int (object o)
	{
		return Convert.ToInt64 (o).ToString (CultureInfo.InvariantCulture);
	}

	static void Line (TextWriter w, params string[] fields)
	{
		w.Write (string.Join ("\t", fields));
		w.Write ('\n');
	}

	static unsafe string Utf8At (byte* data, int offset)
	{
		int length = 0;
		while (data [offset + length] != 0)
			length++;
		return Encoding.UTF8.GetString (data + offset, length);
	}

	static unsafe void Main ()
	{
		var w = new StreamWriter (Console.OpenStandardOutput (), new UTF8Encoding (false));
		var corlib = typeof (object).Assembly;
		var cultures = CultureInfo.GetCultures (CultureTypes.AllCultures);
		var datetimeIndexes = new SortedDictionary<int, string> ();
		var numberIndexes = new SortedSet<int> ();
		var lcids = new SortedSet<int> ();
		var territories = new SortedSet<string> (StringComparer.Ordinal);

		Line (w, "#", "culture tables derived from mono " + Environment.Version + " by CultureDump.cs; regenerate, never edit");
		// Slot 0 is the invariant culture, which is not in the runtime's table.
		for (int i = 1; i < cultures.Length; i++) {
			var ci = cultures [i];
			var text = ci.GetType ().GetMethod ("GetTextInfoData", Any).Invoke (ci, null);
			int dt = (int) Field (ci, "datetime_index");
			int number = (int) Field (ci, "number_index");
			string name = (string) Field (ci, "m_name");
			string territory = (string) Field (ci, "territory");
			if (!datetimeIndexes.ContainsKey (dt))
				datetimeIndexes [dt] = name;
			numberIndexes.Add (number);
			lcids.Add ((int) Field (ci, "cultureID"));
			if (territory != null)
				territories.Add (territory.ToUpperInvariant ());
			Line (w, "C", Escape (name), Int (Field (ci, "cultureID")), Int (Field (ci, "parent_lcid")),
				Int (Field (ci, "default_calendar_type")), Int (dt), Int (number),
				Escape ((string) Field (ci, "englishname")), Escape ((string) Field (ci, "nativename")),
				Escape ((string) Field (ci, "win3lang")), Escape ((string) Field (ci, "iso3lang")),
				Escape ((string) Field (ci, "iso2lang")), Escape (territory),
				Array (Field (ci, "native_calendar_names")),
				Int (Field (text, "ansi")), Int (Field (text, "ebcdic")), Int (Field (text, "mac")),
				Int (Field (text, "oem")), Int (Field (text, "right_to_left")), Int (Field (text, "list_sep")));
		}

		foreach (int lcid in lcids) {
			var found = new CultureInfo (lcid);
			Line (w, "L", Int (lcid), Escape (found.Name));
		}

		var cultureData = corlib.GetType ("System.Globalization.CultureData");
		var calendarData = corlib.GetType ("System.Globalization.CalendarData");
		foreach (var entry in datetimeIndexes) {
			var cd = FormatterServices.GetUninitializedObject (cultureData);
			cultureData.GetMethod ("fill_culture_data", Any).Invoke (cd, new object [] { entry.Key });
			Line (w, "T", Int (entry.Key), Escape ((string) Field (cd, "sAM1159")), Escape ((string) Field (cd, "sPM2359")),
				Escape ((string) Field (cd, "sTimeSeparator")), Array (Field (cd, "saLongTimes")),
				Array (Field (cd, "saShortTimes")), Int (Field (cd, "iFirstDayOfWeek")), Int (Field (cd, "iFirstWeekOfYear")));

			var cal = FormatterServices.GetUninitializedObject (calendarData);
			var ok = (bool) calendarData.GetMethod ("fill_calendar_data", Any).Invoke (cal, new object [] { entry.Value.ToLowerInvariant (), 1 });
			if (!ok)
				throw new Exception ("fill_calendar_data failed for " + entry.Value);
			Line (w, "K", Int (entry.Key), Array (Field (cal, "saShortDates")), Array (Field (cal, "saYearMonths")),
				Array (Field (cal, "saLongDates")), Escape ((string) Field (cal, "sMonthDay")),
				Array (Field (cal, "saDayNames")), Array (Field (cal, "saAbbrevDayNames")),
				Array (Field (cal, "saSuperShortDayNames")), Array (Field (cal, "saMonthNames")),
				Array (Field (cal, "saAbbrevMonthNames")), Array (Field (cal, "saMonthGenitiveNames")),
				Array (Field (cal, "saAbbrevMonthGenitiveNames")));
		}

		var entryType = cultureData.GetNestedType ("NumberFormatEntryManaged", Any);
		var fillNumber = cultureData.GetMethod ("fill_number_data", Any);
		var stringFields = new HashSet<string> { "currency_decimal_separator", "currency_group_separator",
			"currency_symbol", "nan_symbol", "negative_infinity_symbol", "negative_sign",
			"number_decimal_separator", "number_group_separator", "per_mille_symbol", "percent_symbol",
			"positive_infinity_symbol", "positive_sign" };
		foreach (int index in numberIndexes) {
			var args = new object [] { index, Activator.CreateInstance (entryType) };
			var data = (byte*) Pointer.Unbox (fillNumber.Invoke (null, args));
			var fields = new List<string> { "N", Int (index) };
			foreach (var f in entryType.GetFields (Any)) {
				int value = (int) f.GetValue (args [1]);
				fields.Add (stringFields.Contains (f.Name) ? Escape (Utf8At (data, value)) : Int (value));
			}
			Line (w, fields.ToArray ());
		}

		var construct = typeof (RegionInfo).GetMethod ("construct_internal_region_from_name", Any);
		foreach (string territory in territories) {
			var ri = FormatterServices.GetUninitializedObject (typeof (RegionInfo));
			if (!(bool) construct.Invoke (ri, new object [] { territory }))
				continue;
			Line (w, "R", Escape (territory), Int (Field (ri, "regionId")), Escape ((string) Field (ri, "iso2Name")),
				Escape ((string) Field (ri, "iso3Name")), Escape ((string) Field (ri, "win3Name")),
				Escape ((string) Field (ri, "englishName")), Escape ((string) Field (ri, "nativeName")),
				Escape ((string) Field (ri, "currencySymbol")), Escape ((string) Field (ri, "isoCurrencySymbol")),
				Escape ((string) Field (ri, "currencyEnglishName")), Escape ((string) Field (ri, "currencyNativeName")));
		}
		w.Flush ();
	}
}
