"""The words producers use, folded: abbreviations, synonyms, sector names and built-in intents.

Everything here is folded text (`textnorm.fold`): no diacritics, lower case, phrases separated
by commas. Phrases map to concept tokens (`_fair`, `_when`…) so that "hc", "hội chợ", "hoi tro"
and "fair" look alike to the matcher. Concept tokens start with `_`, which folding never leaves
in typed text.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "ABBREVIATIONS",
    "ACCENTED_CONCEPTS",
    "ACCENTED_ONLY",
    "CONCEPTS",
    "FAQ_INTENTS",
    "FILLERS",
    "INTENT_EXAMPLES",
    "PLACE_CUES",
    "SECTOR_WORDS",
]


def _split(text: str, sep: str = ",") -> list[str]:
    return [part.strip() for part in text.split(sep) if part.strip()]


def _invert(table: dict[str, str]) -> dict[str, str]:
    """{value: "a, b"} -> {"a": value, "b": value}."""
    return {phrase: value for value, phrases in table.items() for phrase in _split(phrases)}


# What they stand for: typed tokens (Vietnamese chat shorthand and teencode).
ABBREVIATIONS: Final[dict[str, str]] = _invert(
    {
        "khong": "ko, k, kh, khg, kg, hok, hk, hong, hem, khum, k0",
        "dang ky": "dk, dky, dki, dangky, dangki",
        "duoc": "dc, dcj, dduoc",
        "gian hang": "gh, gianhang",
        "hoi cho": "hc, hoicho, hoitro",
        "ha noi": "hn, hanoi",
        "bao nhieu": "bn, bnh, baonhieu, bnhieu",
        "bao gio": "bjo, bgio, bh, baogio, bg",
        "nhu the nao": "ntn, nthenao",
        "gi": "j, ji",
        "vay": "z, zay, dzay, v",
        "roi": "r",
        "voi": "vs",
        "minh": "mk, mik, mjk",
        "em": "e",
        "nguoi": "ng",
        "nhieu": "nhiu",
        "biet": "bit, bik, bjk",
        "lam": "lm",
        "gio": "h",
        "thang": "thg, th",
        "so dien thoai": "sdt",
        "dien thoai": "dt",
        "ma so thue": "mst",
        "san pham": "sp",
        "san xuat": "sx",
        "hop tac xa": "htx",
        "doanh nghiep": "dn",
        "cong ty": "cty",
        "ho kinh doanh": "hkd",
        "so cong thuong": "sct",
        "danh sach": "ds, dsach",
        "cam on": "tks, thx, thks, camon, cmon",
        "ok": "oke, okie, oki, okay, uk, uh",
        "a lo": "alo, allo",
    }
)

# Words after which people name a place ("ở Bát Tràng", "tại Vạn Phúc", "in Hà Đông").
PLACE_CUES: Final[frozenset[str]] = frozenset(
    _split(
        "around at den huyen in lang near o phuong quan tai thon tu vung xa xom",
        " ",
    )
)

# Folded tokens that count as a concept only when typed so (a regular expression on the text
# as typed, lower case): "chợ Tết" is a fair, "cho hỏi" is not, "hội chợ" is one already.
ACCENTED_CONCEPTS: Final[dict[str, tuple[str, str]]] = {
    "cho": (r"(?<!hội )(?<!\w)chợ(?!\w)", "_fair"),
}

# Folded tokens that count only when typed with their diacritics (bare, they mean other things).
ACCENTED_ONLY: Final[dict[str, tuple[str, str]]] = {
    "go": ("gỗ", "wood"),
    "may": ("mây", "bamboo_rattan"),
    "non": ("nón", "conical_hat"),
    "son": ("sơn", "lacquer"),
    "su": ("sứ", "ceramics"),
}

# Concept token(s) -> phrases. Longest phrases are replaced first, left to right.
CONCEPTS: Final[dict[str, str]] = _invert(
    {
        "_fair": (
            "hoi cho, hoi tro, hoi chj, phien cho, trien lam, ngay hoi, fair, fairs, expo, "
            "exhibition, market, festival, su kien, event, events, chuong trinh ket noi, "
            "cho phien"
        ),
        "_when": (
            "khi nao, bao gio, luc nao, hom nao, ngay nao, ngay bao nhieu, ngay may, may gio, "
            "thoi gian, when, what date, what time, which day, what day, dates, date, thang nao, "
            "tuan nao, bay gio"
        ),
        "_next": ("tiep theo, gan nhat, next, the next one"),
        "_upcoming": ("sap toi, sap dien ra, upcoming, coming up, soon, coming"),
        "_howlong": ("bao lau, keo dai, may ngay, bao nhieu ngay, how long, how many days"),
        "_start": (
            "bat dau, khai mac, mo cua, dien ra, start, starts, begin, opens, open, opening, "
            "ket thuc, be mac, end, close, closing, takes place"
        ),
        "_where": (
            "o dau, tai dau, cho nao, noi nao, dia diem, dia chi, duong den, duong di, duong toi,"
            " chi duong, ban do, where, venue, location, address, map, get there, get to, "
            "dau vay, vi tri, huong dan duong"
        ),
        "_booth": (
            "gian hang, gian, booth, booths, stand, stands, stall, stalls, suat, slot, slots, "
            "cho trong, cho ngoi"
        ),
        "_left": (
            "con trong, con lai, het cho, het gian, left, available, full, remaining, "
            "free stands, free booths, still free, still available, con, het"
        ),
        "_register": (
            "dang ky, dang ki, ghi danh, register, registration, sign up, signup, enrol, enroll, "
            "apply, application, applications, tham gia, join, participate, take part, gia nhap, "
            "book, booked, reserve, dat cho, thue, rent"
        ),
        "_register _booth": ("dat gian, thue gian, dat gian hang, thue gian hang"),
        "_waitlist": ("danh sach cho, waiting list, waitlist, hang cho, xep hang"),
        "_edit": (
            "sua, sua lai, chinh sua, doi, thay doi, cap nhat, edit, change, update, correct, "
            "ghi sai, ghi nham, nhap sai, nham, sai"
        ),
        "_data": (
            "du lieu, du lieu ca nhan, thong tin ca nhan, bao mat, rieng tu, privacy, data, "
            "personal data, lo thong tin, an toan, safe, secure"
        ),
        "_supply": (
            "nha cung cap, cung cap, nguyen lieu, nguyen vat lieu, supplier, suppliers, supply, "
            "supplies, materials, raw materials, vat tu"
        ),
        "_network": ("mang luoi, network, ketnoi"),
        # roles along the chain and looking for someone (handlers/partners, issue 20)
        "_distributor": (
            "ban buon, ban si, nha phan phoi, phan phoi, dai ly, cua hang, nguoi ban buon, "
            "distributor, distributors, wholesaler, wholesalers, wholesale, retailer, "
            "retailers, reseller, resellers, stockist"
        ),
        "_producer": (
            "co so san xuat, nha san xuat, xuong san xuat, xuong, producer, producers, maker, "
            "makers, manufacturer, manufacturers, workshop, workshops"
        ),
        "_consumer": (
            "nguoi tieu dung, khach hang, nguoi mua, ben mua, consumer, consumers, buyer, "
            "buyers, customer, customers"
        ),
        "_find": (
            "tim, tim kiem, can tim, muon tim, tim giup, looking for, look for, find, search, "
            "searching, search for, doi tac, partner, partners"
        ),
        "_how": (
            "nhu the nao, the nao, nhu nao, lam sao, lam the nao, cach nao, kieu gi, ra sao, "
            "bang cach nao, how to, how do i, how can i, how do, how"
        ),
        "_money": (
            "bao nhieu tien, het bao nhieu, mat phi, le phi, chi phi, ton tien, mat tien, "
            "dong tien, tra tien, tien, phi, gia, fee, fees, cost, costs, price, pay, paid, free,"
            " charge, how much"
        ),
        "_howmany": ("bao nhieu, how many, so luong"),
        "_contact": (
            "lien he, lien lac, contact, hotline, so dien thoai, phone number, goi dien, call, "
            "email, can bo, nhan vien, staff, human, person, nguoi that, truc tiep, tong dai, "
            "phone"
        ),
        "_department": (
            "so cong thuong, department, ban to chuc, btc, organisers, organizers, organiser, "
            "organizer, so ct"
        ),
        "_remind": (
            "nhac nho, nhac lich, nhac, thong bao, reminder, reminders, remind, notification, "
            "notifications, alerts, alert, tin nhan, nhan tin, messages, message, tin nhac"
        ),
        "_on": (
            "bat lai, bat, mo lai, turn on, enable, switch on, resume, muon nhan, muon duoc nhac,"
            " nhan lai"
        ),
        "_off": (
            "tat, turn off, disable, switch off, stop, ngung, ngung nhan, thoi nhac, thoi gui, "
            "thoi nhan, unsubscribe, dung gui, dung nhan, dung nhac, no more, bo nhac, huy nhan, "
            "khong muon nhan, khong nhan, khong can nhac, dont want, do not want"
        ),
        "_language": (
            "ngon ngu, tieng anh, tieng viet, english, vietnamese, language, tieng, languages"
        ),
        "_help": (
            "huong dan, help, giup do, giup, tro giup, cach dung, cach su dung, su dung, "
            "what can you do, commands, cac lenh, menu"
        ),
        "_greet": (
            "xin chao, chao, hello, hi, hey, alo, a lo, good morning, good afternoon, "
            "good evening, buoi sang, buoi chieu, buoi toi"
        ),
        "_thanks": ("cam on, cam on nhieu, cam ta, thank you, thank, thanks, cam ou"),
        "_mine": ("cua toi, cua minh, cua em, cua tui, cua chau, my, mine, of mine"),
        "_status": (
            "da duyet, duyet, trang thai, tinh trang, approved, approve, approval, status, "
            "pending, sao roi, the nao roi, ket qua, xet duyet"
        ),
        "_profile": ("ho so, profile, thong tin dang ky, details, thong tin cua toi"),
        "_rejected": (
            "tu choi, bi loai, reject, rejected, refused, refuse, declined, khong duoc duyet"
        ),
        "_past": (
            "nam ngoai, nam truoc, cac nam truoc, truoc day, last year, previous, past, lich su, "
            "history, nhung nam truoc, da to chuc"
        ),
        "_info": ("thong tin, information, info"),
        "_household": (
            "ho gia dinh, gia dinh, ho kinh doanh, household, households, ca nhan, individual, "
            "individuals, nghe nhan"
        ),
        "_company": (
            "hop tac xa, doanh nghiep, cong ty, cooperative, company, companies, business, co so"
        ),
        "_taxid": (
            "ma so thue, tax code, tax id, cccd, can cuoc, cmnd, so dinh danh, dinh danh, "
            "personal id, id card"
        ),
        "_what": ("la gi, what is, what does, nghia la gi, what are, means, mean"),
        "_deadline": (
            "han chot, han dang ky, han cuoi, deadline, het han, qua han, tre han, han nop, han, "
            "apply by, late, too late"
        ),
        "_withdraw": (
            "rut, rut lui, withdraw, huy dang ky, tra lai, give back, khong di, "
            "khong tham gia nua, bo khong tham gia"
        ),
        "_withdraw _booth": (
            "huy gian, huy gian hang, huy dang ky gian hang, tra lai gian, tra lai gian hang, "
            "rut gian, rut gian hang"
        ),
        "_cancel": (
            "huy, huy bo, cancel, thoat, exit, quay lai, go back, back, lam lai, start over"
        ),
        "_eco": (
            "ben vung, xanh, moi truong, thanh thien moi truong, sustainable, sustainability, "
            "green, eco, eco friendly, environment"
        ),
        "_plastic": ("tui nilon, nilon, ni long, nhua, plastic, bao bi, packaging, tui"),
        "_ocop": ("ocop, mot xa mot san pham, one commune one product"),
        "_yesno": (
            "co khong, duoc khong, khong, chua, can i, is there, are there, do i, is it, any"
        ),
    }
)

# Words that carry no meaning of their own in a question (their weight is small).
FILLERS: Final[frozenset[str]] = frozenset(
    _split(
        "a about ad admin ah ak an and anh are at ban be bot by cac can chau chi cho co cua da "
        "day de do does duoc em for from giup hoi i in is it khong kia la long ma me minh nay nha"
        " nhe nhi nua o of oh oi ok on or please roi shop so that the thi this to toi tui u va "
        "vang vay ve voi vui we with xin you khi ra theo cai nhung nhu luc sang gui before after"
        " truoc sau just also then",
        " ",
    )
)

# Sector key (DESIGN.md) -> folded phrases. Longest phrases win.
SECTOR_WORDS: Final[dict[str, str]] = _invert(
    {
        "ceramics": (
            "gom su, gom, do gom, gom my nghe, gom su my nghe, ceramic, ceramics, pottery, "
            "porcelain, gom bat trang"
        ),
        "lacquer": ("son mai, son ta, tranh son mai, lacquer, lacquerware, lacquered"),
        "embroidery": ("theu, do theu, tranh theu, theu ren, embroidery, embroidered"),
        "bamboo_rattan": (
            "may tre, may tre dan, tre dan, tre, coi, dan lat, do dan, bamboo, rattan, wicker, guot"
        ),
        "wood": (
            "do go, nghe go, hang go, san pham go, lang go, go my nghe, moc, do moc, nghe moc, "
            "wood, wooden, woodwork, furniture"
        ),
        "textile_silk": (
            "lua, to lua, to tam, det, det may, det lua, vai, may mac, thoi trang, ao dai, silk, "
            "textile, textiles, fabric, fashion"
        ),
        "food": (
            "thuc pham, do an, an uong, che bien thuc pham, dac san, banh, banh keo, mien, "
            "nong san, do uong, ruou, mut, food, foods, snacks"
        ),
        "sculpture": ("dieu khac, tac tuong, tuong, cham khac, sculpture, carving, statues"),
        "horn": ("sung, xuong sung, do sung, luoc sung, horn"),
        "conical_hat": ("non la, conical hat, conical hats"),
        "paper_flower": ("hoa giay, paper flower, paper flowers"),
        "herbal": ("thuoc nam, thuoc bac, duoc lieu, thao duoc, cay thuoc, herbal, herbs"),
        "leather": ("do da, thuoc da, giay da, tui da, may da, leather"),
        "metal_jewelry": (
            "kim hoan, trang suc, vang bac, do bac, dat vang, quy vang, do dong, duc dong, "
            "kim khi, kim loai, jewelry, jewellery, silverware, metalwork"
        ),
    }
)

# FAQ entries that ask what a built-in intent answers with data: their questions teach it.
FAQ_INTENTS: Final[dict[str, str]] = {
    "how-to-register": "register",
    "registration-status": "my_registration",
    "next-fair": "fairs",
    "booths-left": "fair_booths",
    "language": "language",
}

# Built-in intents: plain phrasings separated by "|"; `{sector}`, `{place}`, `{time}` are
# entities, and `{any}` stands for none of them or any one.
INTENT_EXAMPLES: Final[dict[str, list[str]]] = {
    intent: _split(examples, "|")
    for intent, examples in {
        "fairs": (
            "các hội chợ sắp tới | danh sách các hội chợ | có hội chợ nào không | "
            "sắp tới có hội chợ gì | hội chợ {sector} | có hội chợ {sector} không | "
            "hội chợ {time} | {time} có hội chợ không | hội chợ tại {place} | "
            "có hội chợ nào ở {place} không | xem các hội chợ | hội chợ {sector} {time} | "
            "upcoming fairs | list of fairs | are there any fairs | fairs in {time} | "
            "{sector} fair | fairs in {place} | what fairs are coming up | show the fairs"
        ),
        "fair_when": (
            "khi nào có hội chợ{any} | hội chợ{any} khi nào | bao giờ hội chợ{any} bắt đầu | "
            "hội chợ{any} diễn ra ngày nào | ngày khai mạc hội chợ{any} | "
            "hội chợ{any} tổ chức vào ngày nào | mấy giờ hội chợ{any} mở cửa | "
            "hội chợ{any} kết thúc khi nào | thời gian tổ chức hội chợ{any} | "
            "hội chợ{any} kéo dài bao lâu | bao giờ khai mạc | when is the{any} fair | "
            "when does the{any} fair start | what date is the{any} fair | fair dates | "
            "when does it open | how long does the fair last | what time does the fair open"
        ),
        "fair_where": (
            "hội chợ{any} ở đâu | hội chợ{any} tổ chức ở đâu | địa điểm hội chợ{any} | "
            "địa chỉ hội chợ{any} | đường đi đến hội chợ{any} | bản đồ hội chợ{any} | "
            "hội chợ{any} tổ chức tại chỗ nào | xin chỉ đường đi hội chợ | where is the{any} fair"
            " | fair venue | location of the{any} fair | address of the fair | "
            "how do i get to the fair | map to the fair"
        ),
        "fair_booths": (
            "còn gian hàng trống không | hội chợ{any} còn bao nhiêu gian | hết gian hàng chưa | "
            "còn chỗ trống không | số gian hàng còn trống | hội chợ{any} còn gian không | "
            "còn gian nào không | còn suất gian hàng không | are booths still available | "
            "how many booths are left | is the{any} fair full | any free stands | "
            "booths left at the{any} fair"
        ),
        "register": (
            "đăng ký | tôi muốn đăng ký | đăng ký vào mạng lưới | đăng ký thế nào | cách đăng ký "
            "| đăng ký ở đâu | làm sao để đăng ký | muốn tham gia mạng lưới | "
            "đăng ký tham gia mạng lưới | ghi danh vào mạng lưới | đăng ký cơ sở | register | "
            "how do i register | i want to join the network | sign up | registration | "
            "register my business"
        ),
        "my_registration": (
            "hồ sơ của tôi | xem hồ sơ đăng ký | trạng thái hồ sơ | tôi đã được duyệt chưa | "
            "hồ sơ đăng ký của tôi thế nào rồi | kiểm tra đăng ký của tôi | thông tin của tôi | "
            "my profile | my registration | registration status | am i approved | show my details"
        ),
        "my_booths": (
            "gian hàng của tôi | đơn gian hàng của tôi | tôi đã đăng ký gian nào | "
            "xem gian hàng tôi đã đăng ký | số gian của tôi | gian hàng của tôi được duyệt chưa |"
            " trạng thái đơn gian hàng của tôi | my booths | my booth applications | "
            "which booths did i book | status of my booth | my stand number"
        ),
        "reminders_on": (
            "bật nhắc lịch | bật thông báo | nhắc tôi | tôi muốn được nhắc | bật lại nhắc nhở | "
            "hãy nhắc tôi | gửi nhắc nhở cho tôi | mở thông báo | turn on reminders | remind me |"
            " enable notifications | i want reminders"
        ),
        "reminders_off": (
            "tắt nhắc lịch | tắt thông báo | đừng nhắn tin nữa | không muốn nhận thông báo | "
            "ngừng nhắc | thôi nhắc | bỏ nhắc nhở | không nhận tin nữa | hủy nhận tin | "
            "turn off reminders | stop messages | disable notifications | unsubscribe | "
            "no more reminders | stop sending me messages"
        ),
        "language": (
            "đổi ngôn ngữ | ngôn ngữ | chuyển sang tiếng Anh | dùng tiếng Việt | tiếng Anh | "
            "tiếng Việt | language | change language | switch to english | vietnamese please | "
            "english"
        ),
        "help": (
            "hướng dẫn | giúp đỡ | trợ giúp | giúp tôi | bot làm được những gì | cách dùng bot | "
            "không biết dùng | menu | các lệnh | help | what can you do | how does this work | "
            "how to use the bot | commands"
        ),
        "greeting": (
            "xin chào | chào | chào bot | chào bạn | alo | chào buổi sáng | chào anh | chào chị |"
            " chào em | hello | hi | hey | good morning | good afternoon"
        ),
        "find_partner": (
            "tìm nhà cung cấp {sector} | tìm nhà cung cấp nguyên liệu | ai bán buôn {sector} | "
            "tìm nhà phân phối {sector} | tìm đại lý bán {sector} | cơ sở {sector} {place} | "
            "cơ sở sản xuất {sector} ở {place} | tìm cơ sở sản xuất {sector} | "
            "ai làm {sector} ở {place} | ai bán {sector} | tìm người mua {sector} | "
            "tìm khách hàng cho {sector} | tìm đối tác | tìm đối tác {sector} | "
            "tìm thành viên mạng lưới | nhà cung cấp {sector} ở {place} | "
            "looking for a {sector} distributor | looking for a {sector} supplier | "
            "find a {sector} producer | who sells {sector} wholesale | "
            "find {sector} makers in {place} | looking for partners | find suppliers | "
            "find buyers for {sector}"
        ),
        "thanks": (
            "cảm ơn | cảm ơn bạn | cảm ơn nhiều | cám ơn | vâng cảm ơn | rất cảm ơn | thank you |"
            " thanks | thanks a lot | thx"
        ),
    }.items()
}
